// Deletion and retention at the byte level (OWN-4, OWN-3, API-1): a real server whose purges run on
// their schedule (every second here, through CUSTODIAN_PURGE_INTERVAL_MS; nothing calls a purge), and
// the shared raw scanner reading the database's files, WAL included, before and after. Each absence is
// paired with a presence: the same bytes found before the purge, and a kept conversation's found after.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { Member } from "../src/workspace/conversation-types.ts";
import { scanSources, useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { foundAnywhere, rawScan, type Needles } from "./helpers/raw-scan.ts";
import { waitFor } from "./helpers/wait-for.ts";

const slow = { timeoutMs: 180_000, intervalMs: 200 };

const metricsToken = "physical-deletion-metrics-token-0123456789";

describe("physical deletion and retention", () => {
  const platform = useTestPlatformWithUpstream({
    env: {
      CUSTODIAN_DELETION_WINDOW_MS: "0",
      CUSTODIAN_PURGE_INTERVAL_MS: "1000",
      CUSTODIAN_METRICS_TOKEN: metricsToken,
    },
  });
  const core = () => platform.server.platform;
  const scan = (needles: Needles) => rawScan(scanSources(platform), needles);

  const member = (workspaceId: string, userId = "user_alice"): Member => ({
    organizationId: platform.organization,
    workspaceId,
    userId,
  });

  /** A conversation with two messages holding `canary`; its stored bytes, as needles. */
  async function conversationWith(owner: Member, canary: string): Promise<{ id: string; needles: Needles }> {
    const conversations = core().workspace.conversations;
    const created = await conversations.create(owner, { model: "fake-model", title: `title ${canary}` });
    await conversations.append(owner, created.id, { role: "user", content: `question ${canary}` });
    await conversations.append(owner, created.id, {
      role: "assistant",
      content: `answer ${canary}`,
      model: "m",
    });
    const row = await core()
      .db.selectFrom("conversations")
      .select(["wrapped_key", "title"])
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    const messages = await core()
      .db.selectFrom("messages")
      .select("content")
      .where("conversation_id", "=", created.id)
      .execute();
    return {
      id: created.id,
      needles: {
        [`${canary}:plaintext`]: canary,
        [`${canary}:wrapped_key`]: row.wrapped_key!,
        [`${canary}:title`]: row.title!,
        ...Object.fromEntries(
          messages.map((message, index) => [`${canary}:message${index}`, message.content]),
        ),
      },
    };
  }

  /** Wait until a purge turn that began after `condition` held has finished. */
  async function aTurnAfter(condition: () => Promise<boolean>): Promise<void> {
    await waitFor(condition, slow);
    const turns = core().workspace.purge.completed;
    await waitFor(() => core().workspace.purge.completed >= turns + 2, slow);
  }

  const rowsOf = async (id: string) =>
    Number(
      (
        await sql<{ count: number }>`
          select (select count(*) from conversations where id = ${id})
               + (select count(*) from messages where conversation_id = ${id})
               + (select count(*) from conversation_shares where conversation_id = ${id}) as count`.execute(
          core().db,
        )
      ).rows[0]!.count,
    );

  it("[OWN-4] after one purge cycle no copy of a deleted conversation's keys, share keys or ciphertext is in the database's files or the WAL", async () => {
    const alice = member("ws_delete");
    const doomed = await conversationWith(alice, "CANARY-doomed-5b1e");
    const kept = await conversationWith(alice, "CANARY-kept-77c0");
    const share = await core().workspace.conversations.shares.create(alice, doomed.id, {
      expiresInDays: null,
    });
    const shareRow = await core()
      .db.selectFrom("conversation_shares")
      .select(["wrapped_key", "snapshot"])
      .where("id", "=", share.id)
      .executeTakeFirstOrThrow();
    const { "CANARY-doomed-5b1e:plaintext": _plain, ...doomedBytes } = doomed.needles;
    const needles: Needles = {
      ...doomedBytes,
      "share:wrapped_key": shareRow.wrapped_key!,
      "share:snapshot": shareRow.snapshot!,
    };
    // Positive control: before the delete, every one of those byte strings is in the files.
    const before = await scan(needles);
    expect(Object.keys(foundAnywhere(before)).sort()).toEqual(Object.keys(needles).sort());

    const deletedAt = Date.now();
    await core().workspace.conversations.delete(alice, doomed.id);
    await aTurnAfter(async () => (await rowsOf(doomed.id)) === 0);
    const latency = Date.now() - deletedAt;

    const after = await scan({ ...needles, ...doomed.needles, ...kept.needles });
    const found = foundAnywhere(after);
    for (const name of Object.keys(needles)) expect(found[name], name).toBeUndefined();
    // The plaintext was never anywhere: not in the files, the WAL or the log.
    expect(found["CANARY-doomed-5b1e:plaintext"]).toBeUndefined();
    expect(found["CANARY-kept-77c0:plaintext"]).toBeUndefined();
    // Positive control: the conversation not deleted is still found, byte for byte.
    for (const name of ["wrapped_key", "title", "message0", "message1"]) {
      expect(found[`CANARY-kept-77c0:${name}`], name).toBeDefined();
    }
    expect(after.walFiles).toBeGreaterThan(0);
    expect(latency).toBeGreaterThan(0);
  }, 600_000);

  it("[OWN-3] retention runs on its schedule: 'forever' keeps everything, a shorter retention applies to what is already stored and the expired conversation is physically gone", async () => {
    const owner = member("ws_retention");
    const old = await conversationWith(owner, "CANARY-old-1f9a");
    const recent = await conversationWith(owner, "CANARY-recent-c3d2");
    // Stored ten days ago (the clock of the data, not of the purge).
    await sql`update conversations set updated_at = now() - interval '10 days' where id = ${old.id}`.execute(
      core().db,
    );
    await core().workspace.retention.setRetention(platform.organization, "ws_retention", null, "test");
    // Forever: several turns of the purge later, nothing is gone.
    const turns = core().workspace.purge.completed;
    await waitFor(() => core().workspace.purge.completed >= turns + 3, slow);
    expect(await rowsOf(old.id)).toBeGreaterThan(0);
    expect(
      Object.keys(foundAnywhere(await scan(old.needles))).filter((name) => !name.endsWith("plaintext")),
    ).toHaveLength(Object.keys(old.needles).length - 1);

    // Five days now applies to the conversation stored before the change.
    await core().workspace.retention.setRetention(platform.organization, "ws_retention", 5, "test");
    await aTurnAfter(async () => (await rowsOf(old.id)) === 0);
    const found = foundAnywhere(await scan({ ...old.needles, ...recent.needles }));
    for (const name of Object.keys(old.needles)) expect(found[name], name).toBeUndefined();
    // Positive control: the conversation used recently is kept and still found.
    expect(await rowsOf(recent.id)).toBeGreaterThan(0);
    for (const name of ["wrapped_key", "title", "message0", "message1"]) {
      expect(found[`CANARY-recent-c3d2:${name}`], name).toBeDefined();
    }
  }, 600_000);

  it("[API-1] an API record whose retention ended is purged by the scheduled task and is physically gone", async () => {
    const client = platform.client();
    const recordIds = async () =>
      (await core().db.selectFrom("api_records").select("id").execute()).map((row) => row.id);
    const ask = async (canary: string) => {
      const known = new Set(await recordIds());
      await client.chat.completions.create({
        model: "fake-model",
        messages: [{ role: "user", content: `remember ${canary}` }],
      });
      const id = await waitFor(
        async () => (await recordIds()).find((candidate) => !known.has(candidate)),
        slow,
      );
      const record = await core()
        .db.selectFrom("api_records")
        .select("content")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return { id, needles: { [`${canary}:content`]: record.content } as Needles };
    };
    const settings = core().privacy.settings;
    const expiring = await ask("CANARY-api-expiring-0d4e");
    expect(foundAnywhere(await scan(expiring.needles))).toHaveProperty("CANARY-api-expiring-0d4e:content");

    // Retention 0 ends every record already kept; the scheduled purge takes it and erases it.
    const turns = core().privacy.purge.completed;
    await settings.set({ organizationId: platform.organization, retentionDays: 0, actor: "test" });
    await waitFor(
      async () =>
        !(await core()
          .db.selectFrom("api_records")
          .select("id")
          .where("id", "=", expiring.id)
          .executeTakeFirst()),
      slow,
    );
    await waitFor(() => core().privacy.purge.completed >= turns + 2, slow);

    await settings.set({ organizationId: platform.organization, retentionDays: 30, actor: "test" });
    const kept = await ask("CANARY-api-kept-a91b");
    const found = foundAnywhere(await scan({ ...expiring.needles, ...kept.needles }));
    expect(found["CANARY-api-expiring-0d4e:content"]).toBeUndefined();
    // Positive control: a record still inside its retention is found.
    expect(found["CANARY-api-kept-a91b:content"]).toBeDefined();
  }, 600_000);

  it("[OWN-4] a stored /v1/responses response its client deletes is erased from the database's files and the WAL; one kept is still there", async () => {
    const client = platform.client();
    const stored = async (canary: string) => {
      const response = await client.responses.create({ model: "fake-model", input: `remember ${canary}` });
      const row = await core()
        .db.selectFrom("stored_responses")
        .select("content")
        .where("id", "=", response.id)
        .executeTakeFirstOrThrow();
      return { id: response.id, needles: { [`${canary}:content`]: row.content } as Needles };
    };
    const doomed = await stored("CANARY-response-doomed-3c1f");
    const kept = await stored("CANARY-response-kept-8e02");
    // Positive control: both sealed responses are in the files before the delete.
    const before = foundAnywhere(await scan({ ...doomed.needles, ...kept.needles }));
    expect(Object.keys(before).sort()).toEqual([
      "CANARY-response-doomed-3c1f:content",
      "CANARY-response-kept-8e02:content",
    ]);

    await client.responses.delete(doomed.id);
    const store = core().responses.store;
    expect(store.erasurePending).toBe(true);
    // The purge turn a delete schedules rewrites the table and retires the WAL that held the row.
    await waitFor(() => !store.erasurePending, slow);
    const found = foundAnywhere(await scan({ ...doomed.needles, ...kept.needles }));
    expect(found["CANARY-response-doomed-3c1f:content"]).toBeUndefined();
    expect(found["CANARY-response-kept-8e02:content"]).toBeDefined();
  }, 600_000);

  /** Sets a member's custom instructions to text holding `canary`; their stored bytes, as needles. */
  async function instructions(owner: Member, canary: string): Promise<Needles> {
    await core().workspace.conversations.preferences.set(owner, { instructions: `always ${canary}` });
    const row = await core()
      .db.selectFrom("workspace_preferences")
      .select(["wrapped_key", "instructions"])
      .where("user_id", "=", owner.userId)
      .executeTakeFirstOrThrow();
    return { [`${canary}:preferences_key`]: row.wrapped_key, [`${canary}:instructions`]: row.instructions! };
  }

  it("[OWN-4] [CTL-1] a user deleted through SCIM, with no conversation, leaves no copy of their email, name, external id or custom instructions in the database's files or the WAL", async () => {
    const { identity, workspace } = core();
    const workspaceId = (await identity.users.defaultWorkspace(platform.organization)).id;
    const provision = async (canary: string) => {
      const user = await identity.scimUsers.create(
        platform.organization,
        { userName: `${canary}@example.test`, displayName: `Name ${canary}`, externalId: `ext-${canary}` },
        "test",
      );
      const needles: Needles = {
        [`${canary}:email`]: `${canary}@example.test`,
        [`${canary}:name`]: `Name ${canary}`,
        [`${canary}:external_id`]: `ext-${canary}`,
        ...(await instructions(member(workspaceId, user.id), canary)),
      };
      return { id: user.id, needles };
    };
    const leaving = await provision("canary-leaving-6d2e");
    const staying = await provision("canary-staying-b41c");
    // Positive control: before the delete, each of the leaving user's byte strings is in the files.
    expect(Object.keys(foundAnywhere(await scan(leaving.needles))).sort()).toEqual(
      Object.keys(leaving.needles).sort(),
    );

    // Each purge's first turn erases whatever it finds; past it, only what the delete asks for is erased.
    await waitFor(() => identity.erasure.completed >= 1 && workspace.purge.completed >= 1, slow);
    await identity.scimUsers.delete(platform.organization, leaving.id, "test");
    // Two turns of each purge after the delete: at least one began after it committed.
    const identityTurns = identity.erasure.completed;
    const workspaceTurns = workspace.purge.completed;
    await waitFor(
      () =>
        identity.erasure.completed >= identityTurns + 2 && workspace.purge.completed >= workspaceTurns + 2,
      slow,
    );
    const found = foundAnywhere(await scan({ ...leaving.needles, ...staying.needles }));
    for (const name of Object.keys(leaving.needles)) expect(found[name], name).toBeUndefined();
    // Positive control: the user still provisioned is found, byte for byte.
    for (const name of Object.keys(staying.needles)) expect(found[name], name).toBeDefined();
  }, 600_000);

  it("[OWN-4] custom instructions replaced, then removed, leave no copy of the old ones in the database's files or the WAL", async () => {
    const purge = core().workspace.purge;
    const owner = member("ws_instructions", "user_instructions");
    const kept = await instructions(member("ws_instructions", "user_kept"), "CANARY-instructions-kept-5e7d");
    // Past the purge's first turn, which erases whatever it finds.
    await waitFor(() => purge.completed >= 1, slow);
    const first = await instructions(owner, "CANARY-instructions-first-0b3c");
    expect(Object.keys(foundAnywhere(await scan(first))).sort()).toEqual(Object.keys(first).sort());
    const second = await instructions(owner, "CANARY-instructions-second-9a41");
    const turns = purge.completed;
    await waitFor(() => purge.completed >= turns + 2, slow);
    let found = foundAnywhere(await scan({ ...first, ...second }));
    for (const name of Object.keys(first)) expect(found[name], name).toBeUndefined();
    // Positive control: the instructions in force are found.
    for (const name of Object.keys(second)) expect(found[name], name).toBeDefined();

    await core().workspace.conversations.preferences.set(owner, { instructions: null });
    const cleared = purge.completed;
    await waitFor(() => purge.completed >= cleared + 2, slow);
    found = foundAnywhere(await scan({ ...second, ...kept }));
    for (const name of Object.keys(second)) expect(found[name], name).toBeUndefined();
    for (const name of Object.keys(kept)) expect(found[name], name).toBeDefined();
  }, 600_000);

  it("[OWN-4] a purge that fails is retried, then logged, counted and paged as a security event; the next turn completes it", async () => {
    const alice = member("ws_failure");
    const doomed = await conversationWith(alice, "CANARY-failing-42aa");
    await sql`alter table conversation_shares rename to conversation_shares_away`.execute(core().db);
    const logged = platform.logs().length;
    // Deleted as the service does (its own statement touches the shares table, which is away).
    await sql`update conversations set wrapped_key = null, deleted_at = now() where id = ${doomed.id}`.execute(
      core().db,
    );
    const failed = await waitFor(() => {
      const log = platform.logs().slice(logged);
      return log.includes('"securityEvent":"security.task_failed"') &&
        log.includes('"task":"workspace-purge"')
        ? log
        : null;
    }, slow);
    expect(failed).toContain("periodic task failed, retrying");
    expect(failed).not.toContain("CANARY");
    const metrics = await fetch(`${platform.server.url}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    }).then((response) => response.text());
    expect(metrics).toMatch(/custodian_periodic_task_failures_total\{task="workspace-purge"\} [1-9]/);
    // Repaired, the next turn purges and erases what the failed ones left.
    await sql`alter table conversation_shares_away rename to conversation_shares`.execute(core().db);
    await aTurnAfter(async () => (await rowsOf(doomed.id)) === 0);
    const { "CANARY-failing-42aa:plaintext": _plain, ...bytes } = doomed.needles;
    expect(foundAnywhere(await scan(bytes))).toEqual({});
  }, 600_000);
});
