// The usage domain's administrative operations (rate limits, token budgets, the usage report), for the
// CLI and the admin socket.
import { Type, type Static } from "@sinclair/typebox";
import { errors } from "../core/errors.ts";
import { defineOperation, installationOnly, OrganizationId } from "../core/operation.ts";
import type { LimitGroup, Limits } from "./usage-limits.ts";
import type { UsageModule } from "./usage-module.ts";
import { parseCompletionsUsageQuery } from "./usage-reports.ts";
import type { LimitSubjectKind } from "./usage-tables.ts";

/** What these operations use: the usage module, and the domains that own the subjects limits name. */
export interface UsageOperationServices {
  usage: UsageModule;
  tenancy: {
    getOrganization(organizationId: string): Promise<unknown>;
    getProject(organizationId: string, projectId: string): Promise<unknown>;
  };
  apiKeys: { list(organizationId: string): Promise<Array<{ id: string; revokedAt: Date | null }>> };
  identity: {
    users: { get(organizationId: string, userId: string): Promise<unknown> };
    scimGroups: { get(organizationId: string, groupId: string, withMembers: boolean): Promise<unknown> };
  };
}

const operation = defineOperation<UsageOperationServices>();

const subjectWords: Record<LimitSubjectKind, string> = {
  project: "one project",
  key: "one API key",
  user: "one user",
  group: "one group",
};

const Id = Type.Optional(Type.String({ minLength: 1, maxLength: 100 }));
/** Who a limit is for: exactly one of these, of the kinds the operation allows. */
const subjectFields = { organization: OrganizationId, project: Id, key: Id, user: Id, group: Id };
const Count = Type.Optional(Type.Integer({ minimum: 0, maximum: 999_999_999_999_999 }));
type SubjectInput = { organization: string } & Partial<Record<LimitSubjectKind, string>>;

const LimitsView = {
  requests_per_minute: Type.Union([Type.Integer(), Type.Null()]),
  tokens_per_minute: Type.Union([Type.Integer(), Type.Null()]),
  tokens_per_day: Type.Union([Type.Integer(), Type.Null()]),
  tokens_per_month: Type.Union([Type.Integer(), Type.Null()]),
};
const Subject = {
  organization: Type.String(),
  project: Id,
  key: Id,
  user: Id,
  group: Id,
};

function limitsView(limits: Limits) {
  return {
    requests_per_minute: limits.requestsPerMinute,
    tokens_per_minute: limits.tokensPerMinute,
    tokens_per_day: limits.tokensPerDay,
    tokens_per_month: limits.tokensPerMonth,
  };
}

/** The project, API key, user or group the input names, checked to belong to the organisation. */
async function subject(
  services: UsageOperationServices,
  input: SubjectInput,
  allowed: LimitSubjectKind[],
): Promise<{ organizationId: string; kind: LimitSubjectKind; id: string }> {
  const { tenancy, apiKeys, identity } = services;
  const organizationId = input.organization;
  await tenancy.getOrganization(organizationId);
  const named = allowed.flatMap((kind) => {
    const id = input[kind];
    return id === undefined ? [] : [{ kind, id }];
  });
  if (named.length !== 1) {
    const words = allowed.map((kind) => subjectWords[kind]);
    const list = words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words.at(-1)!}` : words[0]!;
    throw errors.invalidRequest(`Name ${list}.`, allowed[0]!);
  }
  const { kind, id } = named[0]!;
  if (kind === "project") await tenancy.getProject(organizationId, id);
  else if (kind === "user") await identity.users.get(organizationId, id);
  else if (kind === "group") {
    // SCIM answers in its own error shape; the admin surfaces answer in the platform's.
    await identity.scimGroups.get(organizationId, id, false).catch((error: unknown) => {
      throw (error as { status?: number }).status === 404 ? errors.notFound("group", id) : error;
    });
  } else {
    const keys = await apiKeys.list(organizationId);
    if (!keys.some((key) => key.id === id && key.revokedAt === null))
      throw errors.notFound("active API key", id);
  }
  return { organizationId, kind, id };
}

/** Rates for projects and keys; budgets for projects, users and groups. */
const kindsFor: Record<LimitGroup, LimitSubjectKind[]> = {
  rates: ["project", "key"],
  budgets: ["project", "user", "group"],
};

const SetOutput = Type.Object({ ...Subject, ...LimitsView });
const ClearOutput = Type.Object({
  ...Subject,
  cleared: Type.Union([Type.Literal("rates"), Type.Literal("budgets")]),
});

async function set(
  services: UsageOperationServices,
  input: SubjectInput,
  group: LimitGroup,
  values: Partial<Limits>,
  actor: string,
): Promise<Static<typeof SetOutput>> {
  const target = await subject(services, input, kindsFor[group]);
  const limits = await services.usage.limits.set({ ...target, group, values, actor });
  return { organization: target.organizationId, [target.kind]: target.id, ...limitsView(limits) };
}

async function clear(
  services: UsageOperationServices,
  input: SubjectInput,
  group: LimitGroup,
  actor: string,
): Promise<Static<typeof ClearOutput>> {
  const target = await subject(services, input, kindsFor[group]);
  await services.usage.limits.clear({ ...target, group, actor });
  return { organization: target.organizationId, [target.kind]: target.id, cleared: group };
}

/** A date ("2026-11-01") or a time ("2026-11-01T12:00:00Z") as Unix seconds. */
function unixTime(value: string, name: string): number {
  const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(time)) throw errors.invalidRequest(`'${name}' must be a date such as 2026-11-01.`, name);
  return Math.floor(time / 1_000);
}

const DateText = Type.String({ minLength: 1, maxLength: 40, title: "DATE", examples: ["2026-11-01"] });

export const usageOperations = {
  setRateLimits: operation({
    description: "requests and tokens per minute for a project or an API key",
    permission: installationOnly,
    input: Type.Object({ ...subjectFields, rpm: Count, tpm: Count }),
    output: SetOutput,
    async run(services, input, caller) {
      return set(
        services,
        input,
        "rates",
        { requestsPerMinute: input.rpm, tokensPerMinute: input.tpm },
        caller.actor,
      );
    },
  }),
  clearRateLimits: operation({
    description: "remove a project's or an API key's rate limits",
    permission: installationOnly,
    input: Type.Object(subjectFields),
    output: ClearOutput,
    async run(services, input, caller) {
      return clear(services, input, "rates", caller.actor);
    },
  }),
  setBudgets: operation({
    description:
      "token budgets per day and month (UTC) for a project, a user (workspace chat and personal keys) " +
      "or a SCIM group (each member); alerts at 80% and 100%",
    permission: installationOnly,
    input: Type.Object({ ...subjectFields, daily: Count, monthly: Count }),
    output: SetOutput,
    async run(services, input, caller) {
      return set(
        services,
        input,
        "budgets",
        { tokensPerDay: input.daily, tokensPerMonth: input.monthly },
        caller.actor,
      );
    },
  }),
  clearBudgets: operation({
    description: "remove a project's, user's or group's token budgets",
    permission: installationOnly,
    input: Type.Object(subjectFields),
    output: ClearOutput,
    async run(services, input, caller) {
      return clear(services, input, "budgets", caller.actor);
    },
  }),
  listLimits: operation({
    description: "an organisation's rate limits and budgets",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Array(
      Type.Object({
        subject: Type.Union([
          Type.Literal("project"),
          Type.Literal("key"),
          Type.Literal("user"),
          Type.Literal("group"),
        ]),
        id: Type.String(),
        ...LimitsView,
      }),
    ),
    async run({ usage, tenancy }, input) {
      await tenancy.getOrganization(input.organization);
      return (await usage.limits.list(input.organization)).map((limits) => ({
        subject: limits.kind,
        id: limits.id,
        ...limitsView(limits),
      }));
    },
  }),
  /**
   * Daily totals by project (a workspace for chat), user and model since a date: every page of the
   * usage API, flattened. `user_id` is set for workspace chat and personal API keys.
   */
  usageReport: operation({
    description: "daily tokens and requests by project (or workspace), user and model",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId, since: DateText, until: Type.Optional(DateText) }),
    output: Type.Array(
      Type.Object({
        date: Type.String(),
        project_id: Type.Union([Type.String(), Type.Null()]),
        user_id: Type.Union([Type.String(), Type.Null()]),
        model: Type.Union([Type.String(), Type.Null()]),
        requests: Type.Integer(),
        input_tokens: Type.Integer(),
        output_tokens: Type.Integer(),
      }),
    ),
    async run({ usage, tenancy }, input) {
      await tenancy.getOrganization(input.organization);
      const since = unixTime(input.since, "since");
      const until = input.until === undefined ? undefined : unixTime(input.until, "until");
      await usage.recorder.flush();
      const rows = [];
      let page: string | undefined;
      do {
        const query = parseCompletionsUsageQuery({
          start_time: String(since),
          ...(until !== undefined ? { end_time: String(until) } : {}),
          bucket_width: "1d",
          limit: "31",
          group_by: ["project_id", "user_id", "model"],
          ...(page ? { page } : {}),
        });
        const result = await usage.reports.completions(input.organization, query);
        for (const bucket of result.data) {
          for (const entry of bucket.results) {
            rows.push({
              date: new Date(bucket.start_time * 1_000).toISOString().slice(0, 10),
              project_id: entry.project_id,
              user_id: entry.user_id,
              model: entry.model,
              requests: entry.num_model_requests,
              input_tokens: entry.input_tokens,
              output_tokens: entry.output_tokens,
            });
          }
        }
        page = result.next_page ?? undefined;
      } while (page);
      return rows;
    },
  }),
};
