// PLAT-3: three `custodian serve` processes on one PostgreSQL database, every cache at its default
// lifetime, as an operator runs them behind a load balancer. A revoked API key, an ended session and a
// disabled user stop working on every node within the bound the README documents: a key within
// CUSTODIAN_KEY_CACHE_MS (5 s by default), a session and a user at once (neither is cached).
//
// Runs only on PostgreSQL (CUSTODIAN_TEST_DATABASE_URL): embedded PGlite admits one process.
// test/multi-node-in-process.test.ts covers rate limits, periodic tasks, jobs and key rotation.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settings } from "../src/config/settings.ts";
import { serverUrl } from "./helpers/database.ts";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.ts";
import { TestIdentityProvider } from "./helpers/saml-identity-provider.ts";
import { onNode, sessionFrom, signIn, startCluster, type Cluster } from "./helpers/server-cluster.ts";
import type { ServerProcess } from "./helpers/server-process.ts";

/** A refused key: 401, or 429 once the throttle counts its failures from that address. */
const refused = (status: number) => status === 401 || status === 429;

/** The documented bound for a revoked key: the default of CUSTODIAN_KEY_CACHE_MS. */
const keyBoundMs = settings.apiKeyCacheMs.schema.default;

interface Answer {
  /** When the request was sent (this machine's clock, which the nodes share). */
  sent: number;
  status: number;
}

/**
 * Ask `node` for /v1/models with `key` again and again, until a request sent at or after `until` has
 * been answered (or a generous deadline passes on a busy machine); every answer, with when it was sent.
 */
async function answersUntil(node: ServerProcess, key: string, until: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  const deadline = until + 60_000;
  while (Date.now() < deadline) {
    const sent = Date.now();
    // Its own client address: the revoked key's failures are throttled per address (429 is a refusal too).
    const response = await fetch(`${node.url}/v1/models`, {
      headers: { authorization: `Bearer ${key}`, "x-forwarded-for": "198.51.100.1" },
    });
    await response.arrayBuffer();
    answers.push({ sent, status: response.status });
    if (sent >= until) break;
    await sleep(100);
  }
  return answers;
}

describe.skipIf(!serverUrl)(
  "[PLAT-3] three server processes on one PostgreSQL database, default caches",
  () => {
    let upstream: FakeUpstream;
    let cluster: Cluster;
    let nodes: ServerProcess[];
    let directory: string;
    const owner = { email: "owner@nodes.example", password: "" };

    beforeAll(async () => {
      directory = mkdtempSync(path.join(tmpdir(), "custodian-multi-node-"));
      upstream = await startFakeUpstream();
      cluster = await startCluster(3, [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }]);
      nodes = cluster.nodes;
      const created = JSON.parse(
        await cluster.custodian(
          "owner",
          "create",
          "--org",
          cluster.organization,
          "--email",
          owner.email,
          "--json",
        ),
      ) as { password: string };
      owner.password = created.password;
    }, 300_000);
    afterAll(async () => {
      await cluster?.close();
      await upstream?.close();
      if (directory) rmSync(directory, { recursive: true, force: true });
    });

    const ownerSession = (node: ServerProcess) =>
      signIn(node, { organization: cluster.organization, email: owner.email, password: owner.password });

    it("[PLAT-3] runs every node with the default cache lifetimes", () => {
      expect(nodes).toHaveLength(3);
      expect(new Set(nodes.map((node) => node.child.pid)).size).toBe(3);
      for (const name of [
        "CUSTODIAN_KEY_CACHE_MS",
        "CUSTODIAN_KEYRING_CACHE_MS",
        "CUSTODIAN_CUSTOMER_KEY_CACHE_MS",
      ]) {
        expect(cluster.env[name], name).toBeUndefined();
      }
      expect(keyBoundMs).toBe(5_000);
    });

    it("[PLAT-3] an API key revoked on node B is refused by every node within CUSTODIAN_KEY_CACHE_MS", async () => {
      const admin = await ownerSession(nodes[0]!);
      const made = await onNode(nodes[0]!, admin, `/api/admin/projects/${cluster.project}/keys`, {
        method: "POST",
        body: JSON.stringify({ name: "revoked across nodes" }),
      });
      expect(made.status).toBe(201);
      const key = (await made.json()) as { id: string; key: string };
      // Every node has checked (and so cached) the key before it is revoked.
      for (const node of nodes) {
        const response = await fetch(`${node.url}/v1/models`, {
          headers: { authorization: `Bearer ${key.key}` },
        });
        expect(response.status, node.url).toBe(200);
      }
      const revoked = await onNode(nodes[1]!, admin, `/api/admin/keys/${key.id}`, { method: "DELETE" });
      expect(revoked.status).toBe(204);
      const revokedAt = Date.now();

      const byNode = await Promise.all(
        nodes.map((node) => answersUntil(node, key.key, revokedAt + keyBoundMs)),
      );
      for (const [index, answers] of byNode.entries()) {
        const label = `node ${"ABC"[index]}: ${JSON.stringify(answers.map((answer) => [answer.sent - revokedAt, answer.status]))}`;
        expect(
          answers.every((answer) => answer.status === 200 || refused(answer.status)),
          label,
        ).toBe(true);
        // Past the bound, every request is refused, and none was accepted after a refusal.
        const late = answers.filter((answer) => answer.sent >= revokedAt + keyBoundMs);
        expect(late.length, label).toBeGreaterThan(0);
        expect(
          late.every((answer) => refused(answer.status)),
          label,
        ).toBe(true);
        // The nodes count one address's failures together, so a node's first refusal may already be 429.
        const firstRefused = answers.findIndex((answer) => refused(answer.status));
        expect(firstRefused, label).toBeGreaterThanOrEqual(0);
        expect(
          answers.slice(firstRefused).every((answer) => refused(answer.status)),
          label,
        ).toBe(true);
      }
      // The node that revoked it forgets it at once.
      expect(byNode[1]![0]!.status).toBe(401);
    }, 180_000);

    it("[PLAT-3] a session signed in on node A works on B and C, and signing out on C ends it on every node at once", async () => {
      const session = await ownerSession(nodes[0]!);
      for (const node of nodes)
        expect((await onNode(node, session, "/api/session")).status, node.url).toBe(200);
      const signedOut = await onNode(nodes[2]!, session, "/api/session", { method: "DELETE" });
      expect(signedOut.status).toBe(204);
      // The very next request on each node, with no wait: sessions are read from the database each time.
      const after = await Promise.all(
        nodes.map(async (node) => (await onNode(node, session, "/api/session")).status),
      );
      expect(after).toEqual([401, 401, 401]);
    }, 120_000);

    it("[PLAT-3] a user disabled on node B loses their sessions on every node at once, and cannot sign in again on any", async () => {
      const idp = await TestIdentityProvider.create();
      const metadataFile = path.join(directory, "idp-metadata.xml");
      writeFileSync(metadataFile, idp.metadataXml());
      const organization = cluster.organization;
      const view = JSON.parse(
        await cluster.custodian(
          "sso",
          "saml",
          "set",
          "--org",
          organization,
          "--metadata",
          metadataFile,
          "--base-url",
          nodes[0]!.url,
          "--json",
        ),
      ) as { sp_entity_id: string; acs_url: string };
      const spMetadata = await (await fetch(`${nodes[0]!.url}/sso/saml/${organization}/metadata`)).text();
      const email = "member@nodes.example";
      /** An SP-initiated SAML sign-in of the member through `node` (as a load balancer would route it). */
      const samlSignIn = async (node: ServerProcess) => {
        const start = await fetch(`${node.url}/sso/saml/${organization}/login?return_to=/`, {
          redirect: "manual",
        });
        expect(start.status).toBe(302);
        const request = await idp.receiveRequest(spMetadata, start.headers.get("location")!);
        const samlResponse = await idp.respond(
          { entityId: view.sp_entity_id, acsUrl: view.acs_url },
          { email, inResponseTo: request.id },
        );
        return fetch(`${node.url}/sso/saml/${organization}/acs`, {
          method: "POST",
          redirect: "manual",
          body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: request.relayState }),
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: "https://idp.example.test",
          },
        });
      };

      const signedIn = await samlSignIn(nodes[0]!);
      expect(signedIn.status).toBe(303);
      const member = sessionFrom(signedIn);
      const reads = await Promise.all(nodes.map((node) => onNode(node, member, "/api/session")));
      expect(reads.map((response) => response.status)).toEqual([200, 200, 200]);
      const { user } = (await reads[0]!.json()) as { user: { id: string } };

      const admin = await ownerSession(nodes[1]!);
      const disabled = await onNode(nodes[1]!, admin, `/api/admin/members/${user.id}/status`, {
        method: "PUT",
        body: JSON.stringify({ status: "disabled" }),
      });
      expect(disabled.status).toBe(200);
      const after = await Promise.all(
        nodes.map(async (node) => (await onNode(node, member, "/api/session")).status),
      );
      expect(after).toEqual([401, 401, 401]);

      // Signing in again, on another node, gives no session.
      const again = await samlSignIn(nodes[2]!);
      expect(again.status).toBeGreaterThanOrEqual(400);
      const retry = sessionFrom(again);
      for (const node of nodes)
        expect((await onNode(node, retry, "/api/session")).status, node.url).toBe(401);
    }, 180_000);
  },
);
