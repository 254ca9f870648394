// `custodian evidence export` (SEC-5): the SOC 2 evidence pack, made through the CLI and the running
// server's admin socket, opened as an auditor would, every section checked; configured secrets appear
// nowhere in the archive's bytes; the export is owner-only where offered and audited.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinRoles } from "../src/access/builtin-roles.ts";
import { evidenceOperations } from "../src/compliance/evidence-operations.ts";
import { evidenceSections } from "../src/compliance/evidence-pack.ts";
import { tarGz } from "../src/core/tar-writer.ts";
import { commitments } from "../src/privacy/commitments.ts";
import { signInAdmin, signInOwner } from "./helpers/browser-session.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import { mainScript } from "./helpers/server-process.ts";
import { readTarGz } from "./helpers/tar-reader.ts";

const metricsToken = "metrics-token-canary-5b8e1f0c9d2a4e6f7a8b";
const smtpPassword = "smtp-password-canary-0a9b8c7d";
const masterKey = randomBytes(32).toString("base64");

/** Whether the archive's bytes, compressed or not, hold the text anywhere. */
function holds(archive: Buffer, text: string): boolean {
  return archive.includes(Buffer.from(text)) || gunzipSync(archive).includes(Buffer.from(text));
}

function custodian(env: NodeJS.ProcessEnv, ...args: string[]) {
  // Not spawnSync: the server answering the CLI's admin socket runs in this process.
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [mainScript, ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("custodian evidence export", () => {
  let platform: TestPlatform;
  let env: NodeJS.ProcessEnv;
  let files: Map<string, Buffer>;
  let archive: Buffer;
  let grantId: string;
  let out: string;

  const json = (name: string) => JSON.parse(files.get(name)!.toString("utf8")) as Record<string, unknown>;

  beforeAll(async () => {
    const settings = {
      CUSTODIAN_METRICS_TOKEN: metricsToken,
      CUSTODIAN_SMTP_URL: `smtp://mailer:${smtpPassword}@127.0.0.1:2525`,
      CUSTODIAN_MASTER_KEY: masterKey,
    };
    platform = await startTestPlatform({ env: settings });
    const services = platform.server.platform;
    // Something in each section: a rotated data key, a staff-access request, a round of live probes.
    await services.keyring.rotate(platform.organization);
    const operator = await services.oversight.operators.create("evidence-operator", "test");
    const users = await services.identity.users.listMembers(
      platform.organization,
      (await services.identity.users.defaultWorkspace(platform.organization)).id,
    );
    const owner =
      users[0] ??
      (await services.identity.users.createLocalOwner({
        organizationId: platform.organization,
        email: "owner@evidence.example",
        password: "correct horse battery staple",
        actor: "test",
      }));
    grantId = (
      await services.oversight.grants.request({
        operatorId: operator.id,
        organizationId: platform.organization,
        reason: "user-consent",
        reference: "EVIDENCE-1",
        justification: "the user asked for help",
        userId: owner.id,
      })
    ).id;
    await services.trust.runNow("demand");
    env = {
      ...process.env,
      ...settings,
      CUSTODIAN_DATA_DIR: platform.dataDir,
      CUSTODIAN_HTTP: "1",
      CUSTODIAN_LOG_LEVEL: "warn",
      // On the production path, the same fresh database the server uses.
      ...(services.config.databaseUrl ? { CUSTODIAN_DATABASE_URL: services.config.databaseUrl } : {}),
    };
    out = path.join(platform.dataDir, "evidence.tar.gz");
    const made = await custodian(env, "evidence", "export", "--org", platform.organization, "--out", out);
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toContain("Wrote the evidence pack");
    archive = readFileSync(out);
    files = readTarGz(archive);
  });
  afterAll(async () => {
    await platform?.close();
  });

  it("[SEC-5] the archive holds every section, and the manifest's hashes match them", () => {
    expect([...files.keys()].sort()).toEqual([...evidenceSections].sort());
    const manifest = json("manifest.json") as {
      organization: string;
      files: Array<{ name: string; sha256: string }>;
    };
    expect(manifest.organization).toBe(platform.organization);
    expect(manifest.files.map((file) => file.name).sort()).toEqual(
      evidenceSections.filter((name) => name !== "manifest.json").sort(),
    );
    for (const file of manifest.files)
      expect(createHash("sha256").update(files.get(file.name)!).digest("hex"), file.name).toBe(file.sha256);
    expect(files.get("README.txt")!.toString()).toContain("controls/soc2-mapping.json");
    // The system's own tar reads it too, as an auditor's would.
    const listed = spawnSync("tar", ["-tzf", out], { encoding: "utf8" });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split("\n").sort()).toEqual([...evidenceSections].sort());
  });

  it("[SEC-5] maps every commitment to the SOC 2 Trust Services Criteria it supports", () => {
    const mapping = json("controls/soc2-mapping.json") as {
      criteria: Record<string, string>;
      commitments: Array<{
        id: string;
        criteria: Array<{ id: string; name: string }>;
        enforced_by: string[];
      }>;
    };
    expect(mapping.commitments.map((row) => row.id)).toEqual(commitments.map((commitment) => commitment.id));
    for (const row of mapping.commitments) {
      expect(row.criteria.length, row.id).toBeGreaterThan(0);
      for (const criterion of row.criteria) expect(mapping.criteria[criterion.id]).toBe(criterion.name);
      expect(row.enforced_by.length, row.id).toBeGreaterThan(0);
    }
    const cited = new Set(
      mapping.commitments.flatMap((row) => row.criteria.map((criterion) => criterion.id)),
    );
    for (const id of ["CC6.1", "CC6.6", "CC6.7", "CC7.2", "CC8.1", "C1.2", "P4.2", "P4.3"])
      expect(cited, id).toContain(id);
    const at = (id: string) => mapping.commitments.find((row) => row.id === id)!.criteria.map((c) => c.id);
    expect(at("SEC-2")).toContain("CC6.7");
    expect(at("OWN-4")).toContain("C1.2");
  });

  it("[SEC-5] holds the probes' history, the audit log with its checkpoint and key, access transparency and key rotations", async () => {
    const history = json("trust/probe-history.json") as { results: Array<{ probe: string; status: string }> };
    expect(history.results.length).toBeGreaterThan(0);
    const log = json("audit/audit-log.json") as {
      entries: Array<{ action: string }>;
      checkpoints: Array<{ note: string }>;
      inclusion_proofs: unknown[] | null;
      public_key: string;
    };
    expect(log.entries.map((entry) => entry.action)).toContain("organization.created");
    expect(log.checkpoints.length).toBeGreaterThan(0);
    expect(log.inclusion_proofs?.length).toBeGreaterThan(0);
    const key = platform.server.platform.audit.verifierKey;
    expect(files.get("audit/public-key.txt")!.toString().trim()).toBe(key);
    expect(log.public_key).toBe(key);
    const transparency = json("access-transparency/report.json") as { grants: Array<{ id: string }> };
    expect(transparency.grants.map((grant) => grant.id)).toContain(grantId);
    const keys = json("keys/rotation-history.json") as {
      wrapped_by: string;
      versions: Array<{ version: number }>;
    };
    expect(keys.versions.map((version) => version.version)).toEqual([1, 2]);
    expect(keys.wrapped_by).toBe("local");
    const configuration = json("configuration/configuration.json");
    expect(configuration.metricsToken).toBe("[secret]");
    expect(configuration.dataDir).toBe(platform.dataDir);
  });

  it("[SEC-5] no configured secret is anywhere in the archive's bytes", () => {
    // Positive control: the secrets are configured, and the scan finds one put in an archive.
    const config = platform.server.platform.config;
    expect(config.metricsToken).toBe(metricsToken);
    expect(config.smtpUrl).toContain(smtpPassword);
    const planted = tarGz([
      { name: "planted.txt", content: `x ${metricsToken} ${smtpPassword} ${masterKey}` },
    ]);
    for (const secret of [metricsToken, smtpPassword, masterKey]) expect(holds(planted, secret)).toBe(true);
    for (const secret of [
      metricsToken,
      smtpPassword,
      masterKey,
      Buffer.from(masterKey, "base64").toString("hex"),
    ])
      expect(holds(archive, secret)).toBe(false);
    expect(json("configuration/configuration.json").smtpUrl).toBe("[secret]");
  });

  it("[SEC-5] the export is the owner's alone where offered, and is audited", async () => {
    expect(evidenceOperations.exportEvidence.permission).toBe("organization.evidence");
    expect(builtinRoles.owner).toContain("organization.evidence");
    for (const role of ["admin", "auditor", "member", "abuse-reviewer"] as const)
      expect(builtinRoles[role], role).not.toContain("organization.evidence");
    const { entries } = await platform.server.platform.audit.search(platform.organization, {
      actions: ["organization.evidence_exported"],
      limit: 10,
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: "cli", target: platform.organization });
  });

  it("[SEC-5] the owner downloads the same pack from the admin console; an admin may not", async () => {
    const owner = await signInOwner(platform, { email: "evidence-owner@example.com" });
    const response = await owner.fetch("/api/admin/evidence", { method: "POST" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/gzip");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="custodian-evidence-/);
    const downloaded = readTarGz(Buffer.from(await response.arrayBuffer()));
    expect([...downloaded.keys()].sort()).toEqual([...files.keys()].sort());
    const { entries } = await platform.server.platform.audit.search(platform.organization, {
      actions: ["organization.evidence_exported"],
      limit: 10,
    });
    expect(entries.map((entry) => entry.actor)).toContain(owner.userId);

    const admin = await signInAdmin(platform, "evidence-admin@example.com");
    expect((await admin.fetch("/api/admin/evidence", { method: "POST" })).status).toBe(403);
  });
});
