// SEC-1, API-1, API-2, API-3: canaries through the /v1 completion pipeline. Three chat completions, each
// with a unique canary, go to the probe organisation's echo model: one kept under retention, one sent
// with `store: false`, one in a zero-data-retention project. In a serving process they go through the
// installation's own listener with a probe API key, so they meet exactly what a customer's request meets
// (key check, policies, route, observers); a CLI process has no listener and hands them to the same
// privacy policies and observers directly. Then: the retained one is kept, sealed, and expires within
// its retention (never beyond 30 days); the other two left no record; classifier metadata names only
// categories and scores; and no canary's bytes are anywhere in the installation's raw storage.
import { randomBytes } from "node:crypto";
import { fetch } from "undici";
import { builtinCategories } from "../../privacy/builtin-classifier.ts";
import { openAICategories } from "../../privacy/classifier.ts";
import { maxRetentionDays } from "../../privacy/privacy-settings-service.ts";
import type { CompletionRecord } from "../../inference/completion-hooks.ts";
import { probeModelId } from "../../inference/probe-model.ts";
import { expectThat, listenerAgent, type Probe, type ProbeContext, type ProbeListener } from "../probe.ts";
import { foundNames, scanStorage } from "./storage-scan.ts";

const source = "src/trust/probes/canary-probes.ts";
const dayMs = 86_400_000;
const zdrProjectName = "Zero data retention probes";
/** The probe organisation keeps API content one day: its canaries expire and are purged like any. */
const probeRetentionDays = 1;
/** How long the observers may take to record the retained canary after it was answered. */
const recordedWithinMs = 60_000;

async function zdrProject(context: ProbeContext, organizationId: string): Promise<string> {
  const projects = await context.tenancy.listProjects(organizationId);
  const found = projects.find((project) => project.name === zdrProjectName);
  const projectId =
    found?.id ?? (await context.tenancy.createProject(organizationId, zdrProjectName, "system")).id;
  if (!(await context.privacy.settings.effective(organizationId, projectId)).zdr)
    await context.privacy.settings.set({ organizationId, projectId, zdr: true, actor: "system" });
  return projectId;
}

/** Sends one canary as a chat completion in a project of the probe organisation; resolves to its request id. */
interface CanarySender {
  path: string;
  send(projectId: string, canary: string, store: boolean): Promise<string>;
  close(): Promise<void>;
}

/** Through the listener, with a probe API key per project (revoked when done): the whole /v1 path. */
function listenerSender(
  context: ProbeContext,
  listener: ProbeListener,
  organizationId: string,
): CanarySender {
  const dispatcher = listenerAgent(listener);
  const keys = new Map<string, { id: string; key: string }>();
  return {
    path: "through the listener's /v1/chat/completions",
    async send(projectId, canary, store) {
      let key = keys.get(projectId);
      if (!key) {
        key = await context.apiKeys.create({
          organizationId,
          projectId,
          name: "Trust probe",
          actor: "system",
        });
        keys.set(projectId, key);
      }
      const response = await fetch(new URL("/v1/chat/completions", listener.url), {
        dispatcher,
        method: "POST",
        headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: probeModelId, messages: [{ role: "user", content: canary }], store }),
        signal: context.signal,
      });
      const text = await response.text();
      const requestId = response.headers.get("x-request-id");
      // The positive control: the request really went through the pipeline and was answered.
      expectThat(
        response.status === 200 && text.includes(canary) && requestId !== null,
        `the probe's /v1/chat/completions answered ${response.status} without its canary`,
      );
      return requestId;
    },
    async close() {
      for (const key of keys.values()) await context.apiKeys.revoke(organizationId, key.id, "system");
      await dispatcher.close();
    },
  };
}

/** In a CLI process (no listener): the privacy policies every /v1 request meets, then the observers. */
function directSender(context: ProbeContext, organizationId: string): CanarySender {
  return {
    path: "through the /v1 privacy policies and observers (no listener in this process)",
    async send(projectId, canary, store) {
      const caller = { organizationId, projectId, keyId: "trust-probe" };
      const request = { model: probeModelId, messages: [{ role: "user" as const, content: canary }] };
      const admission = { caller, model: request.model, endpoint: "/v1/chat/completions", request };
      // HIPAA mode, then admission (which fixes ZDR).
      await context.privacy.hipaa.admit(admission).catch(() => undefined);
      await context.privacy.admission.admit(admission);
      const record: CompletionRecord = {
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
      context.privacy.traffic.completed(record);
      return record.requestId;
    },
    async close() {},
  };
}

export const canaryProbe: Probe = {
  name: "canary.api-pipeline",
  commitments: ["SEC-1", "API-1", "API-2", "API-3"],
  description:
    "canaries through /v1/chat/completions on the listener (retained, store:false, zero data retention), then a raw scan of the installation's storage",
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
    const sender = context.listener
      ? listenerSender(context, context.listener, organizationId)
      : directSender(context, organizationId);
    const ids: Record<keyof typeof canaries, string> = { retained: "", unstored: "", zdr: "" };
    try {
      // The retained one last: once it is recorded, the observers have seen the other two.
      ids.unstored = await sender.send(probe.projectId, canaries.unstored, false);
      ids.zdr = await sender.send(zdrProjectId, canaries.zdr, true);
      ids.retained = await sender.send(probe.projectId, canaries.retained, true);
    } finally {
      await sender.close();
    }
    const deadline = Date.now() + recordedWithinMs;
    let trace = await context.privacy.traffic.trace(organizationId, Object.values(ids));
    while (!trace.records.some((record) => record.requestId === ids.retained) && Date.now() < deadline) {
      context.signal.throwIfAborted();
      await context.privacy.traffic.flush();
      await new Promise((resolve) => setTimeout(resolve, 200));
      trace = await context.privacy.traffic.trace(organizationId, Object.values(ids));
    }
    const kept = new Map(trace.records.map((record) => [record.requestId, record]));
    const keptRetained = kept.get(ids.retained);
    expectThat(keptRetained !== undefined, "API-1: the retained canary was not kept for abuse monitoring");
    const days = (keptRetained.expiresAt.getTime() - keptRetained.createdAt.getTime()) / dayMs;
    expectThat(
      days <= probeRetentionDays + 0.01 && days <= maxRetentionDays,
      `API-1: a record kept under ${probeRetentionDays}-day retention expires after ${days.toFixed(2)} days`,
    );
    expectThat(!kept.has(ids.unstored), "API-2: a store:false completion left a record");
    expectThat(!kept.has(ids.zdr), "API-2: a completion under zero data retention left a record");

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
      `3 canaries sent ${sender.path} (retained, store:false, zero data retention)`,
      `retained canary kept sealed, expiring in ${days.toFixed(2)} days (at most ${maxRetentionDays})`,
      "store:false and ZDR canaries left no record",
      `${classified.length} classifier rows name only categories and scores`,
      `no canary plaintext in ${scan.scanned}`,
    ];
  },
};
