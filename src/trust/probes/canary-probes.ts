// SEC-1, API-1, API-2, API-3: canaries through the /v1 completion pipeline's privacy half. Three probe
// completions, each with a unique canary, are admitted by the same privacy policy and told to the same
// observers every /v1 call feeds: one kept under retention, one sent with `store: false`, one in a
// zero-data-retention project. Then: the retained one is kept, sealed, and expires within its
// retention (never beyond 30 days); the other two left no record; classifier metadata names only
// categories and scores; and no canary's bytes are anywhere in the installation's raw storage.
import { randomBytes } from "node:crypto";
import { builtinCategories } from "../../privacy/builtin-classifier.ts";
import { openAICategories } from "../../privacy/classifier.ts";
import { maxRetentionDays } from "../../privacy/privacy-settings-service.ts";
import type { CompletionRecord } from "../../inference/completion-hooks.ts";
import { expectThat, type Probe, type ProbeContext } from "../probe.ts";
import { foundNames, scanStorage } from "./storage-scan.ts";

const source = "src/trust/probes/canary-probes.ts";
const dayMs = 86_400_000;
const zdrProjectName = "Zero data retention probes";
/** The probe organisation keeps API content one day: its canaries expire and are purged like any. */
const probeRetentionDays = 1;

async function zdrProject(context: ProbeContext, organizationId: string): Promise<string> {
  const projects = await context.tenancy.listProjects(organizationId);
  const found = projects.find((project) => project.name === zdrProjectName);
  const projectId =
    found?.id ?? (await context.tenancy.createProject(organizationId, zdrProjectName, "system")).id;
  if (!(await context.privacy.settings.effective(organizationId, projectId)).zdr)
    await context.privacy.settings.set({ organizationId, projectId, zdr: true, actor: "system" });
  return projectId;
}

async function completion(
  context: ProbeContext,
  caller: CompletionRecord["caller"],
  canary: string,
  store: boolean,
): Promise<CompletionRecord> {
  const request = { model: "trust-probe", messages: [{ role: "user" as const, content: canary }] };
  const admission = { caller, model: request.model, endpoint: "/v1/chat/completions", request };
  // The privacy policies every /v1 request meets: HIPAA mode, then admission (which fixes ZDR).
  await context.privacy.hipaa.admit(admission).catch(() => undefined);
  await context.privacy.admission.admit(admission);
  return {
    requestId: `req_probe_${randomBytes(12).toString("hex")}`,
    caller,
    model: request.model,
    endpoint: "/v1/chat/completions",
    request,
    output: `${canary} (answer)`,
    usage: { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 },
    status: "completed",
    store,
    startedAt: new Date(),
    durationMs: 1,
  };
}

export const canaryProbe: Probe = {
  name: "canary.api-pipeline",
  commitments: ["SEC-1", "API-1", "API-2", "API-3"],
  description:
    "canaries through the /v1 privacy pipeline (retained, store:false, zero data retention), then a raw scan of the installation's storage",
  source,
  remedy:
    "Check the probe's failure: a canary in raw storage or a kept ZDR record means content escaped its seal; " +
    "stop API traffic, keep the data directory for investigation, and report it to the maintainers.",
  async run(context) {
    const probe = await context.organizations.first();
    const { organizationId } = probe;
    const settings = await context.privacy.settings.effective(organizationId, probe.projectId);
    if (settings.retentionDays !== probeRetentionDays)
      await context.privacy.settings.set({
        organizationId,
        retentionDays: probeRetentionDays,
        actor: "system",
      });
    const zdrProjectId = await zdrProject(context, organizationId);
    const tag = randomBytes(12).toString("hex");
    const canaries = {
      retained: `custodian-probe-retained-${tag}`,
      unstored: `custodian-probe-store-false-${tag}`,
      zdr: `custodian-probe-zdr-${tag}`,
    };
    const caller = (projectId: string) => ({ organizationId, projectId, keyId: "trust-probe" });
    const records = [
      await completion(context, caller(probe.projectId), canaries.retained, true),
      await completion(context, caller(probe.projectId), canaries.unstored, false),
      await completion(context, caller(zdrProjectId), canaries.zdr, true),
    ];
    for (const record of records) context.privacy.traffic.completed(record);
    await context.privacy.traffic.flush();

    const [retained, unstored, zdr] = records as [CompletionRecord, CompletionRecord, CompletionRecord];
    const trace = await context.privacy.traffic.trace(
      organizationId,
      records.map((record) => record.requestId),
    );
    const kept = new Map(trace.records.map((record) => [record.requestId, record]));
    const keptRetained = kept.get(retained.requestId);
    expectThat(keptRetained !== undefined, "API-1: the retained canary was not kept for abuse monitoring");
    const days = (keptRetained.expiresAt.getTime() - keptRetained.createdAt.getTime()) / dayMs;
    expectThat(
      days <= probeRetentionDays + 0.01 && days <= maxRetentionDays,
      `API-1: a record kept under ${probeRetentionDays}-day retention expires after ${days.toFixed(2)} days`,
    );
    expectThat(!kept.has(unstored.requestId), "API-2: a store:false completion left a record");
    expectThat(!kept.has(zdr.requestId), "API-2: a completion under zero data retention left a record");

    const allowed = new Set<string>([...openAICategories, ...builtinCategories]);
    const classified = trace.classifications;
    expectThat(classified.length > 0, "API-3: no classifier metadata was written for the canaries");
    const strays = classified.flatMap((row) =>
      [...row.categories, ...row.scores].filter((name) => !allowed.has(name)),
    );
    expectThat(
      strays.length === 0,
      `API-3: classifier metadata holds ${strays.length} names that are not categories`,
    );

    const scan = await scanStorage(context, canaries);
    const found = foundNames(scan);
    expectThat(found.length === 0, `SEC-1: canary plaintext found in raw storage (${found.join(", ")})`);
    return [
      `3 canaries admitted and observed (retained, store:false, zero data retention)`,
      `retained canary kept sealed, expiring in ${days.toFixed(2)} days (at most ${maxRetentionDays})`,
      "store:false and ZDR canaries left no record",
      `${classified.length} classifier rows name only categories and scores`,
      `no canary plaintext in ${scan.scanned}`,
    ];
  },
};
