// The `custodian` command line end to end: real processes on one data directory, with and without a
// server holding it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseTarget, openDatabase } from "../src/db/database.ts";
import { freshServerDatabase } from "./helpers/database.ts";
import { mainScript as main, startServerProcess, type ServerProcess } from "./helpers/server-process.ts";

describe("custodian CLI", () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: ServerProcess | null = null;
  let database: Awaited<ReturnType<typeof freshServerDatabase>>;

  function custodian(...args: string[]) {
    const result = spawnSync(process.execPath, [main, ...args], { env, encoding: "utf8", timeout: 60_000 });
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

    const plain = custodian("keys", "create", "--org", organization.id);
    expect(plain.stdout.trim()).toMatch(/^sk-cust-\S+$/);

    const listed = custodian("keys", "list", "--org", organization.id, "--json");
    expect(listed.stdout).not.toContain(apiKey);

    expect(custodian("keys", "revoke", "--org", organization.id, "--id", keyId).status).toBe(0);
    await expect(client.models.list()).rejects.toMatchObject({ status: 401 });

    const verify = custodian("audit", "verify");
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/intact/);
  });

  it("works on the data directory directly once the server has stopped", async () => {
    await stopServer();
    const created = custodian("orgs", "create", "--name", "Beta", "--json");
    expect(created.status, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    expect(custodian("keys", "create", "--org", id, "--json").status).toBe(0);
    expect(custodian("audit", "verify").status).toBe(0);
    expect(custodian("keys", "create", "--org", "org_missing").stderr).toMatch(/No organization with id/);
  });

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
