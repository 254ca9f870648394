// CTL-3, FT-3, CTL-4: what belongs to one organisation, or one user, stays theirs, checked live with two
// probe organisations. A private model stored for the first is served to it (the positive control) and
// to no one else: the second cannot list, call or train from what the first owns. A conversation of the
// first probe user is not readable by an admin of the same organisation nor by the other organisation,
// and the staff listing of it holds metadata only.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { privateModelPrefix } from "../../inference/private-models.ts";
import { expectRefusal, expectThat, statusOf, type Probe, type ProbeContext } from "../probe.ts";

const source = "src/trust/probes/isolation-probes.ts";

const trainingFile = (marker: string) =>
  Buffer.from(
    Array.from({ length: 10 }, (_, index) =>
      JSON.stringify({ prompt: `probe ${index} ${marker}`, completion: ` answer ${index}` }),
    ).join("\n") + "\n",
  );

async function refusedAsMissing(work: () => Promise<unknown>, what: string): Promise<void> {
  const refusal = await expectRefusal(work, `${what} was allowed`);
  expectThat(
    statusOf(refusal) === 404,
    `${what} was refused with ${String(statusOf(refusal))}, not as missing`,
  );
}

/** Store a private model for `organizationId` from a few bytes (it is never loaded). */
async function storeProbeModel(context: ProbeContext, organizationId: string): Promise<string> {
  const id = `${privateModelPrefix}trust-probe:${randomBytes(8).toString("hex")}`;
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-probe-"));
  try {
    const weightsPath = path.join(directory, "weights.gguf");
    writeFileSync(weightsPath, randomBytes(64));
    await context.finetune.models.store({
      id,
      organizationId,
      baseModel: "trust-probe",
      jobId: `ftjob-trust-probe-${randomBytes(8).toString("hex")}`,
      weightsPath,
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return id;
}

export const modelIsolationProbe: Probe = {
  name: "isolation.private-models",
  commitments: ["CTL-3", "FT-3"],
  description:
    "a private model and a training file of one probe organisation are invisible to a second: not listed, not callable, not trainable",
  source,
  remedy:
    "Another organisation reaching a private model breaks CTL-3 and FT-3: stop serving fine-tuned models " +
    "(remove them with `custodian models`), keep the data directory, and report it to the maintainers.",
  async run(context) {
    const first = await context.organizations.first();
    const second = await context.organizations.second();
    const model = await storeProbeModel(context, first.organizationId);
    const file = await context.files.upload({
      organizationId: first.organizationId,
      purpose: "fine-tune",
      filename: "probe.jsonl",
      content: trainingFile(randomBytes(8).toString("hex")),
      actor: "system",
    });
    try {
      expectThat(
        (await context.models.resolve(model, first.organizationId)).id === model,
        "a private model is not served to its own organisation (positive control)",
      );
      await refusedAsMissing(
        () => context.models.resolve(model, second.organizationId),
        "CTL-3: calling another organisation's private model",
      );
      const listed = await context.models.listFor(second.organizationId);
      expectThat(
        !listed.some((entry) => entry.id === model),
        "CTL-3: another organisation lists a private model",
      );
      await context.files.assertFineTuneFile(first.organizationId, file.id, "training_file");
      const training = await expectRefusal(
        () => context.files.assertFineTuneFile(second.organizationId, file.id, "training_file"),
        "FT-3: training on another organisation's file was allowed",
      );
      expectThat(statusOf(training) === 400, "FT-3: training on another organisation's file was not refused");
      await refusedAsMissing(
        () => context.files.get(second.organizationId, file.id),
        "CTL-3: reading another organisation's file",
      );
      return [
        "a private model stored for probe organisation A is served to A",
        "organisation B: calling it answers 404, listing omits it",
        "organisation B: A's training file is missing to it (404) and refused for training (400)",
      ];
    } finally {
      await context.finetune.models.delete(first.organizationId, model, "system");
      await context.files.delete(first.organizationId, file.id, "system");
    }
  },
};

/** The first probe organisation's admin, in the workspace of `member` (made once, then found). */
export async function probeAdmin(
  context: ProbeContext,
  member: { organizationId: string; workspaceId: string },
): Promise<{ id: string }> {
  const { users } = context.identity;
  const { user: admin } = await users.provisionFromSso({
    organizationId: member.organizationId,
    provider: "trust-probe",
    externalId: "probe-first-admin",
    email: "probe-first-admin@probes.invalid",
  });
  if ((await users.roleIn(member.organizationId, member.workspaceId, admin.id)) !== "admin")
    await users.setRole({
      organizationId: member.organizationId,
      workspaceId: member.workspaceId,
      userId: admin.id,
      role: "admin",
      actor: "system",
    });
  return admin;
}

const staffFields = new Set(["id", "userId", "model", "messages", "createdAt", "updatedAt"]);

export const conversationIsolationProbe: Probe = {
  name: "isolation.conversations",
  commitments: ["CTL-4"],
  description:
    "a probe user's conversation is unreadable to an admin of the same organisation and to another organisation; staff see metadata only",
  source,
  remedy:
    "An admin or another organisation reading a conversation breaks CTL-4: check custom roles for anything " +
    "unusual, keep the data directory, and report it to the maintainers.",
  async run(context) {
    const first = await context.organizations.first();
    const second = await context.organizations.second();
    const admin = await probeAdmin(context, first.member);
    const workspaceId = first.member.workspaceId;
    const conversations = context.workspace.conversations;
    const conversation = await conversations.create(first.member, { model: "trust-probe" });
    try {
      await conversations.append(first.member, conversation.id, {
        role: "user",
        content: `custodian-probe-isolation-${randomBytes(8).toString("hex")}`,
      });
      expectThat(
        (await conversations.get(first.member, conversation.id)).messages.length === 1,
        "the probe user cannot read their own conversation (positive control)",
      );
      const adminMember = { organizationId: first.organizationId, workspaceId, userId: admin.id };
      await refusedAsMissing(
        () => conversations.get(adminMember, conversation.id),
        "CTL-4: an admin reading a member's conversation",
      );
      await refusedAsMissing(
        () => conversations.get(second.member, conversation.id),
        "CTL-4: another organisation reading a conversation",
      );
      const staff = await conversations.listForStaff(first.organizationId, first.member.userId);
      const extra = staff.flatMap((entry) => Object.keys(entry).filter((field) => !staffFields.has(field)));
      expectThat(
        extra.length === 0,
        `CTL-4: the staff listing carries fields beyond metadata (${extra.join(", ")})`,
      );
      return [
        "the probe user reads their own conversation",
        "an admin of the same organisation and a member of another get 404",
        `the staff listing of ${staff.length} conversations holds metadata fields only`,
      ];
    } finally {
      await conversations.delete(first.member, conversation.id);
    }
  },
};
