// Deliberately broken parts for the live trust probes' negative tests: each is the bug a probe exists
// to catch (a classifier that copies text into its metadata, an isolation check that ignores the
// organisation, a delete that keeps the file), built around the installation's real services. The
// probe runs against the returned context exactly as it runs against the real one.
import { sql } from "kysely";
import { onTestFinished } from "vitest";
import { ApiTrafficObserver } from "../../src/privacy/api-traffic-observer.ts";
import type { Classifier } from "../../src/privacy/classifier.ts";
import type { PrivacySettingsService } from "../../src/privacy/privacy-settings-service.ts";
import type { Probe, ProbeContext } from "../../src/trust/probe.ts";
import { ProbeStore } from "../../src/trust/probe-store.ts";
import { allProbes, reportProbe } from "../../src/trust/probes/index.ts";

type Context = Omit<ProbeContext, "signal">;

/** `original` with some members replaced; the others still run on the original (private fields intact). */
export function patched<T extends object>(original: T, overrides: Record<string, unknown>): T {
  return new Proxy(original, {
    get(target, property, receiver) {
      if (typeof property === "string" && Object.hasOwn(overrides, property)) return overrides[property];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A classifier that names each text it read as a category: the API-3 leak. */
const leakyClassifier: Classifier = {
  name: "leaky",
  async classify(text) {
    return { classifier: "leaky", flagged: false, categories: { [text]: true }, scores: { [text]: 1 } };
  },
};

export function brokenServices(context: Context) {
  const first = () => context.organizations.first();
  /**
   * The broken observer in the probe's context and, until the test ends, in the live /v1 pipeline too:
   * the real observer hands what it is told to the broken one (the canary probe sends through the listener).
   */
  const withTraffic = (traffic: ApiTrafficObserver): Context => {
    const live = context.privacy.traffic;
    const flush = live.flush.bind(live);
    Object.defineProperties(live, {
      completed: { value: traffic.completed.bind(traffic), configurable: true },
      flush: { value: async () => void (await Promise.all([flush(), traffic.flush()])), configurable: true },
    });
    onTestFinished(() => {
      delete (live as Partial<ApiTrafficObserver>).completed;
      delete (live as Partial<ApiTrafficObserver>).flush;
    });
    return { ...context, privacy: patched(context.privacy, { traffic }) };
  };
  const observer = (options: {
    classifiers?: Classifier[];
    settings?: PrivacySettingsService;
    admission?: boolean;
  }) =>
    new ApiTrafficObserver({
      db: context.db,
      keyring: context.keyring,
      settings: options.settings ?? context.privacy.settings,
      ...(options.admission === false ? {} : { admission: context.privacy.admission }),
      classifiers: options.classifiers ?? [context.privacy.moderation.builtin],
      logger: context.logger,
    });
  return {
    leakingClassifier: () => withTraffic(observer({ classifiers: [leakyClassifier] })),
    /** A classifier that logs the text it read (at debug, "only for troubleshooting"): the SEC-1 leak. */
    loggingClassifier: () =>
      withTraffic(
        observer({
          classifiers: [
            {
              name: "chatty",
              async classify(text) {
                context.logger.debug({ text }, "classified");
                return { classifier: "chatty", flagged: false, categories: {}, scores: {} };
              },
            },
          ],
        }),
      ),
    /** Settings that never say ZDR, and no admission: content of a ZDR project is kept. */
    observerIgnoringZdr: () =>
      withTraffic(
        observer({
          admission: false,
          settings: patched(context.privacy.settings, {
            effective: async () => ({ zdr: false, retentionDays: 1 }),
          }),
        }),
      ),
    /** Each appended message's id is also written to a table no purge knows of. */
    conversationsKeepingCopies: async (): Promise<Context> => {
      await sql`create table if not exists probe_test_copies (value text not null)`.execute(context.db);
      const conversations = context.workspace.conversations;
      const append = async (...args: Parameters<typeof conversations.append>) => {
        const message = await conversations.append(...args);
        await sql`insert into probe_test_copies (value) values (${message.id})`.execute(context.db);
        return message;
      };
      return {
        ...context,
        workspace: { ...context.workspace, conversations: patched(conversations, { append }) },
      };
    },
    retentionIgnored: (): Context => ({
      ...context,
      workspace: {
        ...context.workspace,
        retention: patched(context.workspace.retention, {
          setRetention: async () => undefined,
          retention: async () => null,
        }),
      },
    }),
    modelsIgnoringOwner: (): Context => ({
      ...context,
      models: patched(context.models, {
        resolve: async (id: string) => context.models.resolve(id, (await first()).organizationId),
      }),
    }),
    conversationsForAnyone: (): Context => {
      const conversations = context.workspace.conversations;
      const get = async (_member: unknown, id: string) => conversations.get((await first()).member, id);
      return {
        ...context,
        workspace: { ...context.workspace, conversations: patched(conversations, { get }) },
      };
    },
    staffWithoutGrants: (): Context => ({
      ...context,
      oversight: {
        ...context.oversight,
        staffData: patched(context.oversight.staffData, {
          listConversations: async () => ({ grant: "none", conversations: [] }),
        }),
      },
    }),
    scimTokensNeverRevoked: (): Context => ({
      ...context,
      identity: {
        ...context.identity,
        scimTokens: patched(context.identity.scimTokens, {
          authenticate: async () => ({ organizationId: (await first()).organizationId, tokenId: "any" }),
        }),
      },
    }),
    anyTrainingFile: (): Context => ({
      ...context,
      files: patched(context.files, { assertFineTuneFile: async () => undefined }),
    }),
    exportWithoutFiles: (): Context => {
      const { exporter } = context.oversight;
      const exportWithout = async (...args: Parameters<typeof exporter.export>) => {
        const exported = await exporter.export(...args);
        delete exported.sections.files;
        return exported;
      };
      return {
        ...context,
        oversight: { ...context.oversight, exporter: patched(exporter, { export: exportWithout }) },
      };
    },
    filesNeverDeleted: (): Context => ({
      ...context,
      files: patched(context.files, { delete: async () => undefined }),
    }),
    hipaaAllowingAnyModel: (): Context => ({
      ...context,
      privacy: patched(context.privacy, {
        hipaa: patched(context.privacy.hipaa, { checkModel: async () => undefined }),
      }),
    }),
    /** Another node, seen now, with settings of its own. */
    nodeWithOtherSettings: (nodeId: string) =>
      new ProbeStore(context.db).heartbeat(nodeId, new Date(), "other-settings"),
    forgetNode: (nodeId: string) => new ProbeStore(context.db).leave(nodeId),
    /** The report's probe over every probe but those that check `id`. */
    reportProbeWithout: (id: string): Probe =>
      reportProbe(
        allProbes.filter(
          (probe) => probe.name !== "platform.trust-report" && !probe.commitments.includes(id),
        ),
      ),
  };
}
