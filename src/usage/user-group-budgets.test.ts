// Token budgets per user and per group: a user's budget covers their workspace chat and their personal
// API keys; a SCIM group's covers each member. Workspace answers are metered with the user id and show in
// the admin usage report; alerts at 80% and 100% as for projects; each admin change audited.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type OpenAI from "openai";
import { APIError } from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "../../test/helpers/browser-session.ts";
import { useTestPlatformWithUpstream } from "../../test/helpers/platform.ts";
import { adminOperations } from "../platform/operations.ts";
import { budgetAlertAction } from "./budget-alerts.ts";
import type { UsagePage } from "./usage-reports.ts";

const canary = "CANARY-budget-5d1c-never-metered";
const messages = [{ role: "user" as const, content: "hi" }];

describe("user and group budgets", () => {
  const platform = useTestPlatformWithUpstream();
  let operations: ReturnType<typeof adminOperations>;
  let alice: BrowserSession;
  let bob: BrowserSession;
  let carol: BrowserSession;
  let workspaceId: string;
  /** A SCIM group with Bob in it, made before any request so no node has cached Bob's groups yet. */
  let group: { id: string };
  const startTime = Math.floor(Date.now() / 1000) - 60;

  /** A personal API key of the user, in the default project. */
  async function personalClient(userId: string): Promise<OpenAI> {
    const key = await platform.server.platform.apiKeys.create({
      organizationId: platform.organization,
      projectId: platform.project,
      userId,
      actor: "test",
    });
    return platform.client({ apiKey: key.key });
  }

  async function refusal(client: OpenAI): Promise<APIError> {
    const error = await client.chat.completions.create({ model: "fake-model", messages }).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(APIError);
    return error as APIError;
  }

  async function settle(): Promise<void> {
    const { recorder, alerts } = platform.server.platform.usage;
    await recorder.flush();
    await alerts.settled();
  }

  async function newConversation(session: BrowserSession): Promise<string> {
    const created = await session.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    expect(created.status).toBe(201);
    return ((await created.json()) as { id: string }).id;
  }

  function chat(session: BrowserSession, conversation: string, content: string): Promise<Response> {
    return session.fetch(`/api/conversations/${conversation}/messages`, {
      method: "POST",
      body: JSON.stringify({ content }),
    });
  }

  async function alertsFor(target: string): Promise<number[]> {
    const entries = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select("metadata")
      .where("action", "=", budgetAlertAction)
      .where("target", "=", target)
      .orderBy("seq")
      .execute();
    return entries.map(
      (entry) => (JSON.parse(entry.metadata) as { threshold_percent: number }).threshold_percent,
    );
  }

  beforeAll(async () => {
    operations = adminOperations(platform.server.platform, "admin-test");
    alice = await signInOwner(platform, { email: "alice@example.com" });
    bob = await signInOwner(platform, { email: "bob@example.com" });
    carol = await signInOwner(platform, { email: "carol@example.com" });
    workspaceId = (await platform.server.platform.identity.users.defaultWorkspace(platform.organization)).id;
    group = await platform.server.platform.identity.scimGroups.create(
      platform.organization,
      { displayName: "Research", members: [{ value: bob.userId }] },
      "test",
    );
  });

  it("[CTL-2] a user's daily budget covers workspace chat and personal keys, alerts at 80% and 100%, then refuses both", async () => {
    const client = await personalClient(alice.userId);
    const set = await operations.setBudgets({
      organization: platform.organization,
      user: alice.userId,
      daily: 25,
    });
    expect(set).toMatchObject({ user: alice.userId, tokens_per_day: 25, tokens_per_month: null });

    const first = await client.chat.completions.create({ model: "fake-model", messages });
    await settle();
    expect(await alertsFor(alice.userId)).toEqual([]);

    const conversation = await newConversation(alice);
    const answered = await chat(alice, conversation, `hello ${canary}`);
    expect(answered.status).toBe(200);
    await answered.text();
    await settle();
    // 10 tokens by key and the answer's 10 (7 in, 3 out): 80% of 25, not yet 100%.
    expect(await alertsFor(alice.userId)).toEqual([80]);

    await client.chat.completions.create({ model: "fake-model", messages });
    await settle();
    expect(await alertsFor(alice.userId)).toEqual([80, 100]);

    const error = await refusal(client);
    expect(error.status).toBe(429);
    expect(error.code).toBe("token_budget_exceeded");
    expect(error.message).toContain(`tokens per day on user ${alice.userId}`);
    expect(error.headers?.get("x-ratelimit-limit-tokens")).toBe("25");
    expect(error.headers?.get("x-ratelimit-remaining-tokens")).toBe("0");
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0);

    // The workspace refuses before saving the question or asking the model.
    const reachedBefore = platform.upstream.requests.length;
    const refused = await chat(alice, conversation, "one more");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("token_budget_exceeded");
    expect(platform.upstream.requests.length).toBe(reachedBefore);
    const saved = (await (await alice.fetch(`/api/conversations/${conversation}`)).json()) as {
      messages: unknown[];
    };
    expect(saved.messages).toHaveLength(2);

    // Others are not held to Alice's budget: Bob's chat and the project's service key still work.
    const bobs = await chat(bob, await newConversation(bob), "hi");
    expect(bobs.status).toBe(200);
    await bobs.text();
    await expect(
      platform.client().chat.completions.create({ model: "fake-model", messages }),
    ).resolves.toBeTruthy();

    // The admin usage report shows the workspace's tokens under Alice, beside her key's.
    await settle();
    const rows = (await operations.usageReport({
      organization: platform.organization,
      since: new Date(startTime * 1000).toISOString(),
    })) as Array<Record<string, string | number | null>>;
    const alices = rows.filter((row) => row.user_id === alice.userId);
    expect(alices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          project_id: workspaceId,
          model: "fake-model",
          requests: 1,
          input_tokens: 7,
          output_tokens: 3,
        }),
        expect.objectContaining({
          project_id: platform.project,
          requests: 2,
          input_tokens: 14,
          output_tokens: 6,
        }),
      ]),
    );
    expect(first.usage?.total_tokens).toBe(10);
    const page = await platform.client().get<UsagePage>("/organization/usage/completions", {
      query: { start_time: startTime, group_by: ["user_id"], user_ids: [alice.userId] },
    });
    expect(page.data[0]!.results).toEqual([
      expect.objectContaining({
        user_id: alice.userId,
        num_model_requests: 3,
        input_tokens: 21,
        output_tokens: 9,
      }),
    ]);
    const events = await platform.server.platform.db.selectFrom("usage_events").selectAll().execute();
    expect(JSON.stringify(events)).not.toContain(canary);
  });

  it("[CTL-2] a group's budget holds each member (SCIM groups), on /v1 and in the workspace", async () => {
    await operations.setBudgets({ organization: platform.organization, group: group.id, monthly: 25 });
    // Bob's chat in the test above (9 tokens) already counts: 9 + 10 is under 80% of 25, + 10 is past 100%.
    const bobsKey = await personalClient(bob.userId);
    await bobsKey.chat.completions.create({ model: "fake-model", messages });
    await settle();
    await bobsKey.chat.completions.create({ model: "fake-model", messages });
    await settle();
    expect(await alertsFor(group.id)).toEqual([80, 100]);
    const error = await refusal(bobsKey);
    expect(error.status).toBe(429);
    expect(error.message).toContain(`tokens per month on group ${group.id}`);
    const refused = await chat(bob, await newConversation(bob), "hi");
    expect(refused.status).toBe(429);

    // Carol is in no group: her personal key is unaffected.
    const carolsKey = await personalClient(carol.userId);
    await expect(carolsKey.chat.completions.create({ model: "fake-model", messages })).resolves.toBeTruthy();
  });

  it("[CTL-2] admins set, list and clear user and group budgets, each change audited, only in their organisation", async () => {
    const { scimGroups } = platform.server.platform.identity;
    const group = await scimGroups.create(platform.organization, { displayName: "Ops", members: [] }, "test");
    await operations.setBudgets({
      organization: platform.organization,
      user: carol.userId,
      monthly: 100000,
    });
    const listed = (await operations.listLimits({ organization: platform.organization })) as Array<
      Record<string, unknown>
    >;
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ subject: "user", id: carol.userId, tokens_per_month: 100000 }),
      ]),
    );
    await operations.clearBudgets({ organization: platform.organization, user: carol.userId });

    const other = (await operations.createOrganization({ name: "Elsewhere" })) as { id: string };
    await expect(
      operations.setBudgets({ organization: other.id, user: carol.userId, daily: 5 }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      operations.setBudgets({ organization: other.id, group: group.id, daily: 5 }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      operations.setBudgets({
        organization: platform.organization,
        user: carol.userId,
        group: group.id,
        daily: 5,
      }),
    ).rejects.toMatchObject({ status: 400 });
    // Rate limits stay per project and key.
    await expect(
      operations.setRateLimits({ organization: platform.organization, user: carol.userId, rpm: 5 }),
    ).rejects.toMatchObject({ status: 400 });

    // `custodian budgets set --group` through the running server.
    const main = path.resolve(import.meta.dirname, "../main.ts");
    const { databaseUrl } = platform.server.platform.config;
    const result = await promisify(execFile)(
      process.execPath,
      [
        main,
        "budgets",
        "set",
        "--org",
        platform.organization,
        "--group",
        group.id,
        "--daily",
        "5000",
        "--json",
      ],
      {
        timeout: 60_000,
        env: {
          ...process.env,
          CUSTODIAN_DATA_DIR: platform.dataDir,
          CUSTODIAN_LOG_LEVEL: "warn",
          ...(databaseUrl ? { CUSTODIAN_DATABASE_URL: databaseUrl } : {}),
        },
      },
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ group: group.id, tokens_per_day: 5000 });

    const audited = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "actor", "metadata"])
      .where("target", "in", [carol.userId, group.id])
      .where("action", "like", "usage.budgets_%")
      .orderBy("seq")
      .execute();
    expect(audited.map((entry) => [entry.action, JSON.parse(entry.metadata).subject])).toEqual([
      ["usage.budgets_set", "user"],
      ["usage.budgets_cleared", "user"],
      ["usage.budgets_set", "group"],
    ]);
    expect(audited[0]!.actor).toBe("admin-test");
  });
});
