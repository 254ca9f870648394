// The live trust probes against a real installation (HTTPS listener, real database and storage): every
// probe passes on a healthy one, and each fails when the test breaks what it checks: the negative test
// of each probe. Breaks are made in the installation's real state where one can be (a role, a node's
// heartbeat, an audit entry, an upstream's transport, a listener that speaks TLS 1.0), otherwise by
// handing the probe a deliberately broken service (an isolation check that ignores the organisation,
// a delete that keeps the file), the bug the probe exists to catch.
import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { sql } from "kysely";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tlsMaterial } from "../src/http/tls.ts";
import { probeModelId } from "../src/inference/probe-model.ts";
import { adminOperations } from "../src/platform/operations.ts";
import { commitments } from "../src/privacy/commitments.ts";
import type { ProbeResult } from "../src/privacy/trust-report.ts";
import type { Probe, ProbeContext } from "../src/trust/probe.ts";
import { runProbes } from "../src/trust/probe-runner.ts";
import { allProbes } from "../src/trust/probes/index.ts";
import { rewriteEntry } from "./helpers/audit-tamper.ts";
import { signInAdmin, signInOwner } from "./helpers/browser-session.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import { brokenServices } from "./helpers/broken-services.ts";

type Context = Omit<ProbeContext, "signal">;

const probe = (name: string): Probe => {
  const found = allProbes.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no probe ${name}`);
  return found;
};

describe("live trust probes", () => {
  let platform: TestPlatform;
  let context: () => Context;

  async function outcome(target: string | Probe, change: (context: Context) => Context = (c) => c) {
    const subject = typeof target === "string" ? probe(target) : target;
    const [result] = await runProbes([subject], change(context()), "demand");
    return result!;
  }
  /** The probe passes on the untouched installation, then fails with the break: the break's doing. */
  async function fails(target: string | Probe, change: (context: Context) => Context | Promise<Context>) {
    const healthy = await outcome(target);
    expect(healthy.status, healthy.failure ?? "").toBe("passed");
    const broken = await change(context());
    const [result] = await runProbes([typeof target === "string" ? probe(target) : target], broken, "demand");
    expect(result!.status, result!.checks.join("; ")).toBe("failed");
    return result!.failure!;
  }

  /**
   * A PostgreSQL server with wal_recycle on keeps retired WAL segments' bytes: the deletion probe must
   * fail there, naming the setting (the embedded database runs with it off).
   */
  let walRecycle = false;

  beforeAll(async () => {
    platform = await startTestPlatform({ https: true });
    context = () => platform.server.platform.trust.context();
    const setting = await sql<{ value: string }>`select current_setting('wal_recycle') as value`.execute(
      platform.server.platform.db,
    );
    walRecycle = setting.rows[0]?.value !== "off";
  });
  afterAll(async () => platform?.close());

  it("[PLAT-2] every live probe passes on a healthy installation; results are kept, probe organisations hidden", async () => {
    const operations = adminOperations(platform.server.platform);
    const verified = await operations.verifyTrust({});
    const notPassed = verified.results.filter((result: ProbeResult) => result.status !== "passed");
    if (walRecycle) {
      expect(notPassed).toEqual([
        expect.objectContaining({
          probe: "deletion.conversation-erased",
          failure: expect.stringMatching(/wal_recycle is on/),
        }),
      ]);
      return;
    }
    expect(notPassed).toEqual([]);
    const covered = new Set(verified.results.flatMap((result: ProbeResult) => result.commitments));
    expect(commitments.filter((commitment) => !covered.has(commitment.id))).toEqual([]);
    for (const result of verified.results) expect(result.checks.length).toBeGreaterThan(0);
    // The canaries went through the listener's /v1 route, not around it.
    const canaries = verified.results.find((result: ProbeResult) => result.probe === "canary.api-pipeline");
    expect(canaries?.checks[0]).toMatch(/through the listener's \/v1\/chat\/completions/);

    const report = await operations.trustReport({});
    expect(report.complete).toBe(true);
    expect(report.commitments.every((commitment) => commitment.live.status === "passing")).toBe(true);
    const history = await platform.server.platform.trust.history(500);
    expect(history.length).toBeGreaterThanOrEqual(allProbes.length);
    // What a probe keeps is what it checked: its canaries' text never reaches the results.
    expect(JSON.stringify(history)).not.toMatch(/custodian-probe-(retained|store-false|zdr|deletion)-/);

    const listed = await operations.listOrganizations({});
    expect(listed.map((organization) => organization.id)).toEqual([platform.organization]);
    const hidden = (await context().organizations.second()).organizationId;
    expect(JSON.stringify(report.settings)).not.toContain(hidden);
    expect(JSON.stringify(report.settings)).not.toContain(
      (await context().organizations.first()).organizationId,
    );
  });

  it("[CTL-3] the probes' echo model exists only for the probe organisations", async () => {
    const client = platform.client();
    const listed = (await client.models.list()).data.map((model) => model.id);
    expect(listed).not.toContain(probeModelId);
    const call = client.chat.completions.create({
      model: probeModelId,
      messages: [{ role: "user", content: "hello" }],
    });
    await expect(call).rejects.toMatchObject({ status: 404, code: "model_not_found" });
    // The positive control: the probe organisation finds it.
    const { organizationId } = await context().organizations.first();
    const own = await platform.server.platform.models.listFor(organizationId);
    expect(own.map((model) => model.id)).toContain(probeModelId);
  });

  it("[PLAT-2] only an owner runs the checks from the trust page; the run is audited", async () => {
    // The browser helpers speak plain HTTP (on loopback): a second installation for them.
    const web = await startTestPlatform();
    try {
      const owner = await signInOwner(web, { email: "trust-owner@example.com" });
      const admin = await signInAdmin(web, "trust-admin@example.com");
      const refused = await admin.fetch("/api/trust/verify", { method: "POST" });
      expect(refused.status).toBe(403);
      const ran = await owner.fetch("/api/trust/verify", { method: "POST" });
      expect(ran.status).toBe(200);
      const body = (await ran.json()) as { ok: boolean; results: ProbeResult[] };
      expect(body.results.map((result) => result.probe)).toEqual(allProbes.map((probe) => probe.name));
      const entries = await web.server.platform.audit.list(web.organization, { action: "trust.verified" });
      expect(entries.map((entry) => entry.actor)).toEqual([owner.userId]);
    } finally {
      await web.close();
    }
  });

  it("[SEC-2] the transport probe fails on a listener that accepts TLS 1.0, and on a plain-text model server", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "custodian-legacy-tls-"));
    const material = await tlsMaterial(directory, null);
    const legacy = createTlsServer({
      key: material.key,
      cert: material.cert,
      minVersion: "TLSv1",
      ciphers: "DEFAULT:@SECLEVEL=0",
    });
    legacy.on("secureConnection", (socket) => socket.end());
    legacy.listen(0, "127.0.0.1");
    await once(legacy, "listening");
    try {
      const url = `https://127.0.0.1:${(legacy.address() as AddressInfo).port}`;
      const failure = await fails("transport.tls", (c) => ({
        ...c,
        listener: { url, caFile: material.caFile, routes: [] },
      }));
      expect(failure).toMatch(/accepted a TLSv1 handshake/);
    } finally {
      legacy.close();
      rmSync(directory, { recursive: true, force: true });
    }
    const remote = {
      name: "remote",
      baseURL: "http://10.20.30.40:8080/v1",
      apiKey: null,
      models: [{ id: "remote-model", upstreamId: "remote-model" }],
      allowPlaintext: true,
    };
    const plaintext = await fails("transport.tls", (c) => ({
      ...c,
      config: { ...c.config, upstreams: [remote] },
    }));
    expect(plaintext).toMatch(/plain text off this machine: remote/);
  });

  it("[SEC-1][API-3] the canary probe fails when a classifier writes the text it read into its metadata", async () => {
    const failure = await fails("canary.api-pipeline", (c) => brokenServices(c).leakingClassifier());
    expect(failure).toMatch(/API-3: classifier metadata holds \d+ names that are not categories/);
  });

  it("[SEC-1] the canary probe fails when a classifier writes the text it read into the log", async () => {
    const failure = await fails("canary.api-pipeline", (c) => brokenServices(c).loggingClassifier());
    expect(failure).toMatch(/SEC-1: canary plaintext found in raw storage \(\w+ in log output/);
  });

  it("[API-2][API-1] the canary probe fails when the traffic observer keeps content despite ZDR and store:false", async () => {
    const failure = await fails("canary.api-pipeline", (c) => brokenServices(c).observerIgnoringZdr());
    expect(failure).toMatch(
      /API-2: a (store:false completion|completion under zero data retention) left a record/,
    );
  });

  it("[OWN-4] the deletion probe fails when a copy of each message outlives its conversation", async () => {
    if (walRecycle) {
      // This server itself keeps retired WAL: the probe already fails, naming the setting.
      expect((await outcome("deletion.conversation-erased")).failure).toMatch(/OWN-4: wal_recycle is on/);
      return;
    }
    const failure = await fails("deletion.conversation-erased", (c) =>
      brokenServices(c).conversationsKeepingCopies(),
    );
    expect(failure).toMatch(/still in raw storage \(message/);
  });

  it("[OWN-3] the retention probe fails when a workspace's retention period is not kept", async () => {
    const failure = await fails("retention.workspace-period", (c) => brokenServices(c).retentionIgnored());
    expect(failure).toMatch(/retention reads/);
  });

  it("[CTL-3][FT-3] the model isolation probe fails when private models are served to any organisation", async () => {
    const failure = await fails("isolation.private-models", (c) => brokenServices(c).modelsIgnoringOwner());
    expect(failure).toMatch(/CTL-3: calling another organisation's private model was allowed/);
  });

  it("[CTL-4] the conversation isolation probe fails when an admin can open a member's conversation", async () => {
    const failure = await fails("isolation.conversations", (c) => brokenServices(c).conversationsForAnyone());
    expect(failure).toMatch(/CTL-4: an admin reading a member's conversation was allowed/);
  });

  it("[CTL-4] the admin-route walk fails when a route answers a member's conversation to whoever asks", async () => {
    const real = context().listener!;
    const dispatcher = new Agent({ connect: { ca: readFileSync(real.caFile!) } });
    const member = (await context().organizations.first()).member;
    // The bug: one route reads the conversation as its owner, whoever calls. Everything else is the
    // installation's own listener, through this proxy.
    const leaky = createHttpServer((request, response) => {
      const id = /^\/api\/leaky\/([^/?]+)/.exec(request.url ?? "")?.[1];
      const answer = id
        ? context()
            .workspace.conversations.get(member, id)
            .then((read) => JSON.stringify(read))
        : fetch(new URL(request.url ?? "/", real.url), {
            dispatcher,
            // The probe names the cookie for plain HTTP (this proxy); the listener is HTTPS.
            headers: { cookie: (request.headers.cookie ?? "").replace(/^custodian_/, "__Host-custodian_") },
          }).then(async (proxied) => {
            response.statusCode = proxied.status;
            return proxied.text();
          });
      answer.then(
        (body) => response.end(body),
        () => response.writeHead(500).end(),
      );
    });
    leaky.listen(0, "127.0.0.1");
    await once(leaky, "listening");
    try {
      const url = `http://127.0.0.1:${(leaky.address() as AddressInfo).port}`;
      const failure = await fails("isolation.admin-routes", (c) => ({
        ...c,
        listener: { url, caFile: null, routes: [...real.routes, { method: "GET", url: "/api/leaky/:id" }] },
      }));
      expect(failure).toBe("CTL-4: an admin was answered a member's conversation by GET /api/leaky/:id");
    } finally {
      leaky.close();
      await dispatcher.close();
    }
  });

  it("[SEC-3][API-4] the staff access probe fails when an operator without a grant is let through", async () => {
    const failure = await fails("access.staff-without-grant", (c) => brokenServices(c).staffWithoutGrants());
    expect(failure).toMatch(/SEC-3: listing conversations was allowed without a grant/);
  });

  it("[CTL-2] the roles probe fails when the probe member is made an admin", async () => {
    const { users } = platform.server.platform.identity;
    const { member } = await context().organizations.first();
    const role = (name: string) => users.setRole({ ...member, role: name, actor: "test" });
    try {
      const failure = await fails("access.roles", async (c) => {
        await role("admin");
        return c;
      });
      expect(failure).toMatch(/CTL-2: a member holds members.write/);
    } finally {
      await role("member");
    }
  });

  it("[CTL-1] the provisioning probe fails when a revoked SCIM token still authenticates", async () => {
    const failure = await fails("access.provisioning", (c) => brokenServices(c).scimTokensNeverRevoked());
    expect(failure).toMatch(/CTL-1: a (wrong|revoked) SCIM token (still )?authenticates/);
  });

  it("[OWN-1] the training input probe fails when any id is accepted as a training file", async () => {
    const failure = await fails("data.training-input", (c) => brokenServices(c).anyTrainingFile());
    expect(failure).toMatch(/OWN-1: a conversation was accepted as training input/);
  });

  it("[OWN-2] the export probe fails when a section is missing from the export", async () => {
    const failure = await fails("data.organization-export", (c) => brokenServices(c).exportWithoutFiles());
    expect(failure).toMatch(/OWN-2: the export lacks sections files/);
  });

  it("[FT-1][FT-2] the fine-tuning file probe fails when a deleted file stays readable", async () => {
    const failure = await fails("data.fine-tuning-files", (c) => brokenServices(c).filesNeverDeleted());
    expect(failure).toBe("FT-2: a deleted file's record is still there");
  });

  it("[SEC-5] the HIPAA probe fails when an organisation in HIPAA mode may use an uncovered model", async () => {
    const failure = await fails("platform.hipaa-mode", (c) => brokenServices(c).hipaaAllowingAnyModel());
    expect(failure).toMatch(/SEC-5: HIPAA organisation \S+ may use a model not covered by a BAA/);
  });

  it("[PLAT-1] the API probe fails when the listener does not answer in OpenAI's shape", async () => {
    const impostor = createHttpServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" }).end('{"models":[]}');
    });
    impostor.listen(0, "127.0.0.1");
    await once(impostor, "listening");
    try {
      const url = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
      const failure = await fails("platform.openai-api", (c) => ({
        ...c,
        listener: { url, caFile: null, routes: [] },
      }));
      expect(failure).toMatch(/PLAT-1: GET \/v1\/models is not in OpenAI's list shape/);
    } finally {
      impostor.close();
    }
  });

  it("[PLAT-3] the nodes probe fails when another node sharing the database has other settings", async () => {
    const other = `node_test_${Date.now()}`;
    const failure = await fails("platform.nodes", async (c) => {
      await brokenServices(c).nodeWithOtherSettings(other);
      return c;
    });
    expect(failure).toMatch(/PLAT-3: 2 nodes disagree on settings/);
    await brokenServices(context()).forgetNode(other);
  });

  it("[PLAT-2] the report probe fails when a commitment has no live probe", async () => {
    const broken = brokenServices(context()).reportProbeWithout("SEC-4");
    const [result] = await runProbes([broken], context(), "demand");
    expect(result!.status).toBe("failed");
    expect(result!.failure).toBe("PLAT-2: commitments without a live probe: SEC-4");
  });

  it("[SEC-4] the audit probe fails once an audit entry is changed in the database", async () => {
    expect((await outcome("audit.verified")).status).toBe("passed");
    // This installation's log would stay broken for the tests after it: a second one is tampered with.
    const other = await startTestPlatform({ https: true });
    try {
      await rewriteEntry(other.server.platform.db, 1, { recompute: false });
      const [result] = await runProbes(
        [probe("audit.verified")],
        other.server.platform.trust.context(),
        "demand",
      );
      expect(result!.status).toBe("failed");
      expect(result!.failure).toMatch(/SEC-4: the audit log does not verify at entry 1/);
    } finally {
      await other.close();
    }
  });

  it("[PLAT-2] a probe that runs past its time is recorded as failed, and one that throws by its error's name only", async () => {
    const slow: Probe = {
      ...probe("access.roles"),
      name: "test.slow",
      run: () => new Promise(() => undefined),
    };
    const thrower: Probe = {
      ...probe("access.roles"),
      name: "test.thrower",
      run: () => Promise.reject(new TypeError("custodian-probe-secret-detail")),
    };
    const [timedOut, threw] = await runProbes([slow, thrower], context(), "demand", 200);
    expect(timedOut).toMatchObject({ status: "failed", failure: "did not finish within 0 s" });
    expect(threw).toMatchObject({ status: "failed", failure: "the probe could not run (TypeError)" });
  });
});
