// OWN-1, OWN-2, FT-1, FT-2: an organisation's data is its own, checked live in the probe organisation.
// Training takes only an uploaded fine-tuning file of the organisation (a conversation's id or a file of
// another purpose is refused); the organisation export is complete JSON with every section and the
// audit log; a fine-tuning file is checked on upload (a malformed one is refused), kept and readable
// until deleted, and gone (404, content and all) once deleted.
import { randomBytes } from "node:crypto";
import { expectedSections } from "../../privacy/export-organization.ts";
import { expectRefusal, expectThat, statusOf, type Probe } from "../probe.ts";

const source = "src/trust/probes/data-probes.ts";

const examples = (count: number) =>
  Buffer.from(
    Array.from({ length: count }, (_, index) =>
      JSON.stringify({ prompt: `probe question ${index}`, completion: ` probe answer ${index}` }),
    ).join("\n") + "\n",
  );

export const trainingInputProbe: Probe = {
  name: "data.training-input",
  commitments: ["OWN-1"],
  description:
    "fine-tuning accepts only the organisation's own uploaded fine-tuning files, never conversations or other data",
  source,
  remedy:
    "Training from anything but an uploaded file breaks OWN-1: pause fine-tuning jobs and report it to the maintainers.",
  async run(context) {
    const { organizationId, member } = await context.organizations.first();
    const conversation = await context.workspace.conversations.create(member, { model: "trust-probe" });
    const other = await context.files.upload({
      organizationId,
      purpose: "user_data",
      filename: "probe.txt",
      content: Buffer.from(`probe ${randomBytes(8).toString("hex")}`),
      actor: "system",
    });
    try {
      for (const [what, id] of [
        ["a conversation", conversation.id],
        ["a file uploaded for another purpose", other.id],
      ] as const) {
        const refusal = await expectRefusal(
          () => context.files.assertFineTuneFile(organizationId, id, "training_file"),
          `OWN-1: ${what} was accepted as training input`,
        );
        expectThat(
          statusOf(refusal) === 400,
          `OWN-1: ${what} as training input answered ${String(statusOf(refusal))}`,
        );
      }
      return ["training input refused: a conversation's id (400), a file of another purpose (400)"];
    } finally {
      await context.workspace.conversations.delete(member, conversation.id);
      await context.files.delete(organizationId, other.id, "system");
    }
  },
};

export const exportProbe: Probe = {
  name: "data.organization-export",
  commitments: ["OWN-2"],
  description: "the organisation export is complete JSON: every section, settings, models and the audit log",
  source,
  remedy:
    "An incomplete export breaks OWN-2: run `custodian export --org <id>` to see which section fails, and report it.",
  async run(context) {
    const { organizationId } = await context.organizations.first();
    const exported = await context.oversight.exporter.export(organizationId, "system");
    const text = JSON.stringify(exported);
    const parsed = JSON.parse(text) as typeof exported;
    const missing = expectedSections.filter((name) => !(name in parsed.sections));
    expectThat(missing.length === 0, `OWN-2: the export lacks sections ${missing.join(", ")}`);
    expectThat(parsed.organization.id === organizationId, "OWN-2: the export names another organisation");
    expectThat(parsed.audit_log.length > 0, "OWN-2: the export holds no audit log");
    return [
      `export of ${text.length} bytes of JSON with ${expectedSections.length} sections, settings and models`,
      `${parsed.audit_log.length} audit entries with ${parsed.audit_checkpoints.length} checkpoints`,
    ];
  },
};

export const fineTuningFileProbe: Probe = {
  name: "data.fine-tuning-files",
  commitments: ["FT-1", "FT-2"],
  description:
    "a fine-tuning file is checked on upload, kept and readable until deleted, and gone once deleted",
  source,
  remedy:
    "Check the files module's sweep failures in the log (security.task_failed) and the blob store's health.",
  async run(context) {
    const { organizationId } = await context.organizations.first();
    const { files } = context;
    const malformed = await expectRefusal(
      () =>
        files.upload({
          organizationId,
          purpose: "fine-tune",
          filename: "bad.jsonl",
          content: Buffer.from("{not json\n"),
          actor: "system",
        }),
      "FT-1: a malformed fine-tuning file was accepted",
    );
    expectThat(statusOf(malformed) === 400, "FT-1: a malformed fine-tuning file was not refused with 400");
    const content = examples(10);
    const file = await files.upload({
      organizationId,
      purpose: "fine-tune",
      filename: "probe.jsonl",
      content,
      actor: "system",
    });
    let deleted = false;
    try {
      const parsed = await files.fineTuneExamples(organizationId, file.id, "training_file");
      expectThat(parsed.length === 10, `FT-1: a 10-example file parsed as ${parsed.length} examples`);
      expectThat(
        (await files.content(organizationId, file.id)).equals(content),
        "FT-2: a kept file reads back changed",
      );
      await files.delete(organizationId, file.id, "system");
      deleted = true;
      for (const [what, work] of [
        ["record", () => files.get(organizationId, file.id)],
        ["content", () => files.content(organizationId, file.id)],
      ] as const) {
        const refusal = await expectRefusal(work, `FT-2: a deleted file's ${what} is still there`);
        expectThat(
          statusOf(refusal) === 404,
          `FT-2: a deleted file's ${what} answered ${String(statusOf(refusal))}`,
        );
      }
      return [
        "a malformed fine-tuning file refused on upload (400)",
        "a 10-example file accepted, parsed and read back unchanged",
        "after deletion its record and content answer 404",
      ];
    } finally {
      if (!deleted) await files.delete(organizationId, file.id, "system").catch(() => undefined);
    }
  },
};
