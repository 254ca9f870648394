// Business content never lands in logs, the audit log, or the database: checked with canary strings
// sent through every path of the gateway, including its failures.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { scanSources, useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { foundAnywhere, rawScan, rowsContaining } from "./helpers/raw-scan.ts";

const canary = "CANARY-7d1e0f-do-not-store";

describe("no business content leaks", () => {
  const platform = useTestPlatformWithUpstream();

  it("[SEC-1] a prompt and its completion reach no log line, audit entry or table", async () => {
    const client = platform.client();
    const messages = [{ role: "user" as const, content: `please repeat ${canary}` }];
    const completion = await client.chat.completions.create({ model: "fake-model", messages });
    expect(completion.choices[0]?.message.content).toContain(canary);
    const stream = await client.chat.completions.create({ model: "fake-model", messages, stream: true });
    for await (const _chunk of stream) {
      // Drain it.
    }
    // Failures: an upstream error, an unknown model, a bad body and a bad key, all carrying the canary.
    platform.upstream.behaviour = { kind: "status", status: 500, body: { error: { message: canary } } };
    await expect(client.chat.completions.create({ model: "fake-model", messages })).rejects.toMatchObject({
      status: 502,
    });
    platform.upstream.behaviour = { kind: "echo" };
    await expect(client.chat.completions.create({ model: canary, messages })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      client.chat.completions.create({
        model: "fake-model",
        messages: [{ role: canary as "user", content: canary }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      platform
        .client({ apiKey: `sk-cust-${canary}` })
        .chat.completions.create({ model: "fake-model", messages }),
    ).rejects.toMatchObject({ status: 401 });
    const { db } = platform.server.platform;
    const entriesBeforeClose = await db.selectFrom("audit_entries").selectAll().execute();

    // Every column of every table, bytea compared as bytes; with a positive control (the
    // organisation's id is in its row).
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(db);
    const names = tables.rows.map((row) => row.table_name);
    expect(await rowsContaining(db, names, { organization: platform.organization })).toHaveProperty(
      "organization",
    );
    expect(await rowsContaining(db, names, { canary })).toEqual({});
    // And the raw bytes: database files and WAL, the data directory, the log (the scanner's own
    // canary proves each is read).
    const scan = await rawScan(scanSources(platform), { canary });
    expect(foundAnywhere(scan)).toEqual({});
    expect(JSON.stringify(entriesBeforeClose)).not.toContain(canary);
    expect(platform.logs().length).toBeGreaterThan(0);
    expect(platform.logs()).not.toContain(canary);
  });

  it("[SEC-4] records key creation in the audit log without the key itself", async () => {
    const { db } = platform.server.platform;
    const entries = await db.selectFrom("audit_entries").selectAll().orderBy("seq").execute();
    expect(entries.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["organization.created", "api_key.created"]),
    );
    expect(JSON.stringify(entries)).not.toContain(platform.apiKey);
    expect(platform.logs()).not.toContain(platform.apiKey);
  });
});
