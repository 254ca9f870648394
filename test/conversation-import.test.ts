// A user's export loaded into another installation (OWN-2), end to end: through the workspace API as the
// signed-in user, and with `custodian import` as an administrator. Refused imports answer with the
// reason in the API's usual shape (or exit 2) and write nothing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { createLogger, openPlatform } from "../src/platform/platform.ts";
import type { ConversationExport } from "../src/workspace/conversation-export-format.ts";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { freshServerDatabase } from "./helpers/database.ts";
import { useTestPlatformWithUpstream, type PlatformWithUpstream } from "./helpers/platform.ts";
import { mainScript } from "./helpers/server-process.ts";

const canary = "CANARY-import-api-93fa";

/** What must survive export -> import -> export; docs/exports.md names what differs and why. */
function content(document: ConversationExport) {
  return {
    format: document.format,
    version: document.version,
    counts: document.counts,
    conversations: document.conversations.map((conversation) => {
      // Ids are new in the target: the message tree is compared by positions instead.
      const position = (id: string | null) =>
        id === null ? null : conversation.messages.findIndex((message) => message.id === id);
      return {
        title: conversation.title,
        model: conversation.model,
        created_at: conversation.created_at,
        system_prompt: conversation.system_prompt,
        pinned: conversation.pinned,
        active: position(conversation.active_message_id),
        messages: conversation.messages.map(({ id: _id, parent_id: parent, ...message }) => ({
          ...message,
          parent: position(parent),
        })),
      };
    }),
  };
}

async function conversationsOf(platform: PlatformWithUpstream, organizationId: string) {
  const db = platform.server.platform.db;
  const conversations = await db
    .selectFrom("conversations")
    .select("id")
    .where("organization_id", "=", organizationId)
    .execute();
  const messages = await db
    .selectFrom("messages")
    .select("id")
    .where("organization_id", "=", organizationId)
    .execute();
  return { conversations: conversations.length, messages: messages.length };
}

describe("conversation import", () => {
  const source = useTestPlatformWithUpstream();
  const target = useTestPlatformWithUpstream();
  let alice: BrowserSession;
  let newAlice: BrowserSession;
  let exportText: string;
  let exported: ConversationExport;

  async function chat(session: BrowserSession, title: string | null, questions: string[]): Promise<void> {
    const created = await session.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify(title === null ? { model: "fake-model" } : { model: "fake-model", title }),
    });
    const { id } = (await created.json()) as { id: string };
    for (const question of questions) {
      const answer = await session.fetch(`/api/conversations/${id}/messages`, {
        method: "POST",
        body: JSON.stringify({ content: question }),
      });
      await answer.text();
    }
  }

  beforeAll(async () => {
    alice = await signInOwner(source, { email: "alice@source.example" });
    newAlice = await signInOwner(target, { email: "alice@target.example" });
    await chat(alice, `Plans ${canary}`, [`first ${canary}`, 'second, with "quotes" and ünïcode 🙂']);
    await chat(alice, null, ["untitled question"]);
    await chat(alice, "No messages yet", []);
    const response = await alice.fetch("/api/export");
    exportText = await response.text();
    exported = JSON.parse(exportText) as ConversationExport;
  }, 180_000);

  it("[OWN-2] export -> import through the API into another installation -> export gives the same content", async () => {
    expect(exported.counts).toEqual({ conversations: 3, messages: 6 });
    const imported = await newAlice.fetch("/api/conversations/import", { method: "POST", body: exportText });
    expect(imported.status, await imported.clone().text()).toBe(201);
    const result = (await imported.json()) as {
      conversations: Array<{ id: string; source_id: string }>;
      messages: number;
    };
    expect(result.messages).toBe(6);
    expect(result.conversations.map((conversation) => conversation.source_id)).toEqual(
      exported.conversations.map((conversation) => conversation.id),
    );
    const again = (await (await newAlice.fetch("/api/export")).json()) as ConversationExport;
    expect(content(again)).toEqual(content(exported));
    // The user reads them in the target as their own conversations.
    const first = (await (
      await newAlice.fetch(`/api/conversations/${result.conversations[0]!.id}`)
    ).json()) as {
      title: string;
      messages: Array<{ content: string }>;
    };
    expect(first.title).toBe(`Plans ${canary}`);
    expect(first.messages[0]!.content).toBe(`first ${canary}`);
  });

  it("[OWN-2] the import API refuses a malformed or altered export whole: a 400 in the API's shape, and nothing written", async () => {
    const before = await conversationsOf(target, target.organization);
    const post = (body: string, headers: Record<string, string> = {}) =>
      newAlice.fetch("/api/conversations/import", { method: "POST", body, headers });

    const altered = structuredClone(exported);
    altered.conversations[0]!.messages[0]!.content = "a different question";
    const refused = await post(JSON.stringify(altered));
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body).toEqual({
      error: {
        message:
          "Import refused, nothing was imported: The export was altered or damaged: its content does not match its SHA-256 digest.",
        type: "invalid_request_error",
        param: "digest",
        code: "invalid_export",
      },
    });
    const truncated = structuredClone(exported);
    truncated.conversations.pop();
    expect(await (await post(JSON.stringify(truncated))).json()).toMatchObject({
      error: {
        code: "invalid_export",
        message: expect.stringMatching(/declares 3 conversations and 6 messages but holds 2/),
      },
    });
    expect(await (await post(JSON.stringify({ ...exported, version: 7 }))).json()).toMatchObject({
      error: { code: "invalid_export", message: expect.stringMatching(/version 7 is not supported/) },
    });
    // A file cut short is not JSON at all.
    const cut = await post(exportText.slice(0, exportText.length - 40));
    expect(cut.status).toBe(400);
    expect(await cut.json()).toMatchObject({
      error: { code: "invalid_json", type: "invalid_request_error" },
    });
    // Bounded: more than 32 MiB is refused before anything is read into the service.
    const huge = await post(`{"padding":"${"x".repeat(32 * 1024 * 1024)}"}`);
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    // Only a signed-in user, with the CSRF token, imports (into their own account).
    expect((await post(exportText, { "x-csrf-token": "wrong" })).status).toBe(403);
    expect(
      (
        await fetch(`${target.server.url}/api/conversations/import`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: exportText,
        })
      ).status,
    ).toBe(401);
    expect(await conversationsOf(target, target.organization)).toEqual(before);
    // No refusal quoted the content it refused.
    expect(JSON.stringify(body)).not.toContain("a different question");

    // Positive control: the same count sees an import that is accepted.
    expect((await post(exportText)).status).toBe(201);
    expect(await conversationsOf(target, target.organization)).toEqual({
      conversations: before.conversations + 3,
      messages: before.messages + 6,
    });
  });

  it("[OWN-2] `custodian import FILE` loads an export into a user's account on another installation; a damaged file is refused with the reason and writes nothing", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "custodian-import-cli-"));
    const database = await freshServerDatabase();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CUSTODIAN_DATA_DIR: dataDir,
      CUSTODIAN_LOG_LEVEL: "warn",
      CUSTODIAN_DEMO_MODEL: "0",
      ...(database ? { CUSTODIAN_DATABASE_URL: database.url } : {}),
    };
    const custodian = (...args: string[]) => {
      const run = spawnSync(process.execPath, [mainScript, ...args], {
        env,
        encoding: "utf8",
        timeout: 120_000,
      });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    };
    try {
      const organization = JSON.parse(
        custodian("orgs", "create", "--name", "Elsewhere", "--json").stdout,
      ) as {
        id: string;
      };
      const owner = custodian(
        "owner",
        "create",
        "--org",
        organization.id,
        "--email",
        "alice@elsewhere.example",
        "--json",
      );
      expect(owner.status, owner.stderr).toBe(0);
      const user = (JSON.parse(owner.stdout) as { id: string }).id;
      const file = path.join(dataDir, "alice-export.json");
      const damaged = path.join(dataDir, "damaged.json");
      writeFileSync(file, exportText);
      writeFileSync(damaged, exportText.replace(`first ${canary}`, `first ${canary}!`));

      const refused = custodian("import", damaged, "--org", organization.id, "--user", user);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(
        /Import refused, nothing was imported: .*does not match its SHA-256 digest/,
      );
      expect(refused.stderr).not.toContain(canary);
      const noUser = custodian("import", file, "--org", organization.id);
      expect(noUser.status).toBe(2);
      expect(noUser.stderr).toContain("--user is required");

      const imported = custodian("import", file, "--org", organization.id, "--user", user, "--json");
      expect(imported.status, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ messages: 6, digest: exported.digest.value });

      // The organisation's export, by the CLI, records the import and holds none of it (CTL-4).
      const organizationExport = custodian("export", "--org", organization.id, "--include-content");
      expect(organizationExport.status, organizationExport.stderr).toBe(0);
      const document = JSON.parse(organizationExport.stdout) as {
        include_content: boolean;
        audit_log: Array<{ action: string; metadata: Record<string, unknown> }>;
      };
      expect(document.include_content).toBe(true);
      expect(document.audit_log.filter((entry) => entry.action === "conversations.imported")).toEqual([
        expect.objectContaining({
          metadata: { conversations: 3, messages: 6, export_digest: exported.digest.value },
        }),
      ]);
      expect(organizationExport.stdout).not.toContain(canary);

      // Read back in this installation: the same content, once (the damaged file wrote nothing).
      const platform = await openPlatform(
        loadConfig(env as Record<string, string>),
        createLogger({ logLevel: "warn" }),
      );
      try {
        const workspace = await platform.identity.users.defaultWorkspace(organization.id);
        const again = await platform.workspace.conversations.export({
          organizationId: organization.id,
          workspaceId: workspace.id,
          userId: user,
        });
        expect(content(again)).toEqual(content(exported));
      } finally {
        await platform.close();
      }
    } finally {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
