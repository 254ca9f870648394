// OWN-4, OWN-3: deletion is real and retention is kept, shown on the installation's own storage. The
// deletion probe makes a conversation with a canary message in the probe organisation, finds the
// message's id in the raw database files (the scan's positive control), deletes the conversation (it
// must be unreadable at once), purges deleted conversations and erases the tables as the scheduled
// purge does, and scans again: the id must be gone from every heap file and WAL segment. Every deleted
// conversation's key is already destroyed, so removing their rows before the window ends changes
// nothing a user could see. The retention probe sets a retention period on the probe workspace and
// checks that a conversation there reports it will be kept no longer.
import { randomBytes } from "node:crypto";
import { ErasureError, eraseDeleted } from "../../db/physical-erasure.ts";
import { conversationTables } from "../../workspace/workspace-purge.ts";
import { expectRefusal, expectThat, ProbeFailure, statusOf, type Probe } from "../probe.ts";
import { foundNames, scanStorage } from "./storage-scan.ts";

const source = "src/trust/probes/deletion-probes.ts";
const dayMs = 86_400_000;
/** The probe workspace keeps conversations this long. */
const probeRetentionDays = 1;

export const deletionProbe: Probe = {
  name: "deletion.conversation-erased",
  commitments: ["OWN-4"],
  description:
    "create, delete and purge a probe conversation, then show its bytes gone from the database's raw files",
  source,
  remedy:
    "A conversation that stays readable or whose bytes survive the purge breaks OWN-4: check the purge's " +
    "failures in the log (security.task_failed events), and on PostgreSQL that the role may CHECKPOINT and " +
    "that wal_recycle is off.",
  async run(context) {
    const { member } = await context.organizations.first();
    const conversations = context.workspace.conversations;
    const canary = `custodian-probe-deletion-${randomBytes(12).toString("hex")}`;
    const conversation = await conversations.create(member, { model: "trust-probe" });
    let deleted = false;
    try {
      const message = await conversations.append(member, conversation.id, { role: "user", content: canary });
      const before = await scanStorage(context, { message: message.id, canary });
      expectThat(
        (before.found.message ?? []).length > 0,
        "the raw scan did not find a stored message's id (its positive control)",
      );
      expectThat((before.found.canary ?? []).length === 0, "SEC-1: a message's plaintext is in raw storage");

      await conversations.delete(member, conversation.id);
      deleted = true;
      const refusal = await expectRefusal(
        () => conversations.get(member, conversation.id),
        "a deleted conversation is still readable",
      );
      expectThat(statusOf(refusal) === 404, "a deleted conversation did not answer 404");

      const counts = await context.workspace.retention.purge({ deletionWindowMs: 0 });
      await eraseDeleted(context.db, conversationTables).catch((error: unknown) => {
        // Its message names the step and the setting or privilege missing, never row data.
        if (error instanceof ErasureError) throw new ProbeFailure(`OWN-4: ${error.message}`);
        throw error;
      });
      const after = await scanStorage(context, { message: message.id, canary });
      const left = foundNames(after);
      expectThat(
        left.length === 0,
        `a purged conversation's bytes are still in raw storage (${left.join(", ")})`,
      );
      return [
        "a probe conversation with one message was made, and its message id found in raw storage",
        "deleted: unreadable at once (404)",
        `purged (${counts.removed} deleted conversations' rows removed) and the tables erased`,
        `no trace of it in ${after.scanned}`,
      ];
    } finally {
      if (!deleted) await conversations.delete(member, conversation.id).catch(() => undefined);
    }
  },
};

export const retentionProbe: Probe = {
  name: "retention.workspace-period",
  commitments: ["OWN-3"],
  description: "a retention period set on the probe workspace bounds how long its conversations are kept",
  source,
  remedy:
    "Retention that is not honoured breaks OWN-3: check the workspace purge's failures in the log and that " +
    "the purge interval setting is not longer than the deletion window.",
  async run(context) {
    const { member } = await context.organizations.first();
    const { retention, conversations } = context.workspace;
    if ((await retention.retention(member.organizationId, member.workspaceId)) !== probeRetentionDays)
      await retention.setRetention(member.organizationId, member.workspaceId, probeRetentionDays, "system");
    const days = await retention.retention(member.organizationId, member.workspaceId);
    expectThat(days === probeRetentionDays, `the probe workspace's retention reads ${String(days)} days`);
    const conversation = await conversations.create(member, { model: "trust-probe" });
    try {
      const keptUntil = conversation.keptUntil;
      if (keptUntil === null) throw new ProbeFailure("a conversation under retention is kept for ever");
      const keptMs = keptUntil.getTime() - conversation.updatedAt.getTime();
      expectThat(
        keptMs <= probeRetentionDays * dayMs + 60_000,
        `a conversation under ${probeRetentionDays}-day retention is kept ${(keptMs / dayMs).toFixed(2)} days`,
      );
      return [
        `the probe workspace keeps conversations ${probeRetentionDays} day`,
        `a new conversation there is kept until ${keptUntil.toISOString()}, no longer`,
      ];
    } finally {
      await conversations.delete(member, conversation.id);
    }
  },
};
