// The `custodian` command line end to end: real processes on one data directory, with and without a
// server holding it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseTarget, openDatabase, type Db } from "../src/db/database.ts";
import {
  cutTail,
  deleteCheckpoints,
  rewriteEntry,
  snapshotLog,
  swapEntries,
  wipe,
} from "./helpers/audit-tamper.ts";
import { checkInclusionIndependently } from "./helpers/independent-proof-check.ts";
import { freshServerDatabase } from "./helpers/database.ts";
import { mainScript as main, startServerProcess, type ServerProcess } from "./helpers/server-process.ts";

describe("custodian CLI", () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: ServerProcess | null = null;
  let database: Awaited<ReturnType<typeof freshServerDatabase>>;

  function custodian(...args: string[]) {
    const result = spawnSync(process.execPath, [main, ...args], { env, encoding: "utf8", timeout: 300_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  async function startServer(): Promise<string> {
    server = await startServerProcess(env);
    return server.url;
  }

  async function stopServer(): Promise<void> {
    await server?.stop();
    server = null;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-cli-"));
    database = await freshServerDatabase();
    env = {
      ...process.env,
      CUSTODIAN_DATA_DIR: dataDir,
      CUSTODIAN_HTTP: "1",
      CUSTODIAN_PORT: "0",
      CUSTODIAN_LOG_LEVEL: "warn",
      // No model is configured here; the demo model has its own test (src/finetune/demo-model-entry.test.ts).
      CUSTODIAN_DEMO_MODEL: "0",
      ...(database ? { CUSTODIAN_DATABASE_URL: database.url } : {}),
    };
  });
  afterAll(async () => {
    await stopServer();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("bootstraps on first start and works through the server while it runs", async () => {
    const url = await startServer();
    const bootstrapFile = path.join(dataDir, "bootstrap.json");
    expect(statSync(bootstrapFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, "master.key")).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, "admin.token")).mode & 0o777).toBe(0o600);
    const bootstrap = JSON.parse(readFileSync(bootstrapFile, "utf8")) as {
      api_key: string;
      organization: string;
    };
    expect(bootstrap.api_key).toMatch(/^sk-cust-/);

    const created = custodian("orgs", "create", "--name", "Acme", "--json");
    expect(created.status, created.stderr).toBe(0);
    const organization = JSON.parse(created.stdout) as { id: string };
    expect(organization.id).toMatch(/^org_/);

    const key = custodian("keys", "create", "--org", organization.id, "--json");
    expect(key.status, key.stderr).toBe(0);
    const { key: apiKey, id: keyId } = JSON.parse(key.stdout) as { key: string; id: string };
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
    expect((await client.models.list()).object).toBe("list");

    // A second `owner create` for the same email is a clear 409, not a duplicate key's 500.
    const owner = custodian("owner", "create", "--org", organization.id, "--email", "boss@acme.example");
    expect(owner.status, owner.stderr).toBe(0);
    const again = custodian("owner", "create", "--org", organization.id, "--email", "boss@acme.example");
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
    expect(again.stderr).not.toMatch(/internal|500/i);

    const plain = custodian("keys", "create", "--org", organization.id);
    expect(plain.stdout.trim()).toMatch(/^sk-cust-\S+$/);

    const listed = custodian("keys", "list", "--org", organization.id, "--json");
    expect(listed.stdout).not.toContain(apiKey);

    expect(custodian("keys", "revoke", "--org", organization.id, "--id", keyId).status).toBe(0);
    await expect(client.models.list()).rejects.toMatchObject({ status: 401 });

    const verify = custodian("audit", "verify");
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/intact/);
  }, 300_000);

  it("works on the data directory directly once the server has stopped", async () => {
    await stopServer();
    const created = custodian("orgs", "create", "--name", "Beta", "--json");
    expect(created.status, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    expect(custodian("keys", "create", "--org", id, "--json").status).toBe(0);
    expect(custodian("audit", "verify").status).toBe(0);
    expect(custodian("keys", "create", "--org", "org_missing").stderr).toMatch(/No organization with id/);
  }, 300_000);

  /** Run `change` on the database with no process holding it, then `check`, then put the log back. */
  async function tampered(change: (db: Db) => Promise<void>, check: () => void | Promise<void>) {
    const target = databaseTarget({ databaseUrl: database?.url ?? null, dataDir });
    let db = await openDatabase(target);
    const restore = await snapshotLog(db);
    try {
      await change(db);
      await db.destroy();
      await check();
    } finally {
      db = await openDatabase(target);
      await restore(db);
      await db.destroy();
    }
  }

  it("[SEC-4] `audit export` is verified by `audit verify --offline` with only the public key, and refused once tampered", async () => {
    const publicKey = custodian("audit", "public-key");
    expect(publicKey.status, publicKey.stderr).toBe(0);
    const key = publicKey.stdout.trim();
    expect(key).toMatch(/^custodian-audit\/[0-9a-f]{16}\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    const file = path.join(dataDir, "..", `${path.basename(dataDir)}-export.jsonl`);
    try {
      const exported = custodian("audit", "export", "--out", file);
      expect(exported.status, exported.stderr).toBe(0);
      const lines = readFileSync(file, "utf8").trim().split("\n");
      expect(JSON.parse(lines[0]!)).toMatchObject({ type: "custodian-audit-log", verifier_key: key });
      // Nothing else: no CUSTODIAN_* setting, no data directory, no database, no master key.
      const offline = (...args: string[]) =>
        spawnSync(process.execPath, [main, ...args], {
          env: { PATH: process.env.PATH },
          cwd: tmpdir(),
          encoding: "utf8",
          timeout: 60_000,
        });
      const verified = offline("audit", "verify", "--offline", file, "--public-key", key);
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^Audit log export intact: \d+ entries, \d+ signed checkpoints/);
      const index = lines.findIndex((line) => line.includes('"type":"entry","seq":3,'));
      lines[index] = lines[index]!.replace('"action":"', '"action":"x');
      writeFileSync(file, lines.join("\n") + "\n");
      const refused = offline("audit", "verify", "--offline", file, "--public-key", key);
      expect(refused.status).toBe(1);
      expect(refused.stdout).toMatch(/BROKEN at entry \d+: entr(y|ies) .*do(es)? not match the checkpoint/);
    } finally {
      rmSync(file, { force: true });
    }
  }, 300_000);

  it("[SEC-4] `audit prove SEQ` prints a proof that independent code checks against the signed checkpoint", () => {
    const key = custodian("audit", "public-key").stdout.trim();
    const proved = custodian("audit", "prove", "4");
    expect(proved.status, proved.stderr).toBe(0);
    const proof = JSON.parse(proved.stdout) as {
      leaf_input: string;
      leaf_index: number;
      inclusion_path: string[];
      checkpoint: string;
      tree_size: number;
    };
    expect(JSON.parse(proof.leaf_input)[0]).toBe(4);
    expect(
      checkInclusionIndependently({
        leafInput: proof.leaf_input,
        index: proof.leaf_index,
        path: proof.inclusion_path,
        checkpoint: proof.checkpoint,
        publicKey: key,
      }),
    ).toEqual({ size: proof.tree_size });
    expect(custodian("audit", "prove", "999999").stderr).toMatch(/no entry 999999/);
  }, 120_000);

  it("[SEC-4] `audit verify` detects a tail cut with its checkpoints, a wipe, a recomputed rewrite, a reordering and deleted checkpoints", async () => {
    const intact = JSON.parse(custodian("audit", "verify", "--json").stdout) as {
      entries: number;
      newestCheckpoint: number;
    };
    expect(intact.newestCheckpoint).toBe(intact.entries);
    const size = intact.entries;
    const broken = (pattern: RegExp) => () => {
      const verify = custodian("audit", "verify");
      expect(verify.status, verify.stdout + verify.stderr).toBe(1);
      expect(verify.stdout).toMatch(pattern);
    };
    await tampered(
      (db) => cutTail(db, size - 1),
      broken(new RegExp(`BROKEN at entry ${size - 1}: entries ${size - 1} to ${size} are missing`)),
    );
    await tampered(
      wipe,
      broken(new RegExp(`BROKEN at entry 1: the log is empty, but a signed checkpoint covers ${size}`)),
    );
    await tampered(
      async (db) => {
        await rewriteEntry(db, 2, { recompute: true });
        await deleteCheckpoints(db);
      },
      broken(/BROKEN at entry 1: entries 1 to \d+ do not match the checkpoint signed for/),
    );
    await tampered(
      (db) => swapEntries(db, 2, 3, { recompute: true }),
      broken(/BROKEN at entry 1: entries 1 to \d+ do not match/),
    );
    await tampered(
      deleteCheckpoints,
      broken(/BROKEN at entry \d+: the database's copy of the checkpoint for \d+ entries was deleted/),
    );
    // Put back, the log verifies again: each failure above came from its tampering.
    expect(custodian("audit", "verify").status).toBe(0);
  }, 600_000);

  it("[SEC-4] `audit verify` exits 1 and names the first bad entry after one stored byte changes", async () => {
    const log = JSON.parse(custodian("audit", "verify", "--json").stdout) as { entries: number };
    expect(log.entries).toBeGreaterThanOrEqual(6);
    const db = await openDatabase(databaseTarget({ databaseUrl: database?.url ?? null, dataDir }));
    // One byte of the third or a later entry's target: the last character becomes another. Which
    // entries have a target depends on the order the server's start-up wrote them in, so the entry is
    // looked up rather than assumed (an entry without a target would not change at all).
    const { rows } = await sql<{ seq: number }>`
      select min(seq)::int as seq from audit_entries where seq >= 3 and target is not null and target <> ''
    `.execute(db);
    const seq = rows[0]!.seq;
    const changed = await sql`
      update audit_entries set target = left(target, -1) || case when right(target, 1) = 'Z' then 'Y' else 'Z' end
      where seq = ${seq}
    `.execute(db);
    await db.destroy();
    expect(Number(changed.numAffectedRows)).toBe(1);
    const verify = custodian("audit", "verify");
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(new RegExp(`entry ${seq}\\b`));
  }, 300_000);

  it("refuses to create a data directory for any command but serve, naming where it looked", () => {
    const missing = path.join(dataDir, "not-an-installation");
    const result = spawnSync(process.execPath, [main, "keys", "list", "--org", "org_x"], {
      env: { ...env, CUSTODIAN_DATA_DIR: missing },
      encoding: "utf8",
      timeout: 300_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`No Custodian data directory at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  it("stops with a message naming a bad setting", () => {
    const result = spawnSync(process.execPath, [main, "serve"], {
      env: { ...env, CUSTODIAN_PORT: "not-a-port" },
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("CUSTODIAN_PORT");
  });
});
