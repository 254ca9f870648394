// The usage domain's admin operations (limits, budgets, usage report), for the CLI and the admin socket.
import { errors } from "../core/errors.ts";
import type { ApiKeyService } from "../identity/api-key-service.ts";
import type { IdentityServices } from "../identity/identity-services.ts";
import type { TenancyService } from "../tenancy/tenancy-service.ts";
import type { LimitGroup, Limits } from "./usage-limits.ts";
import type { UsageModule } from "./usage-module.ts";
import { optionalText, requiredText, type Operation } from "../core/operation-input.ts";
import { parseCompletionsUsageQuery } from "./usage-reports.ts";
import type { LimitSubjectKind } from "./usage-tables.ts";

/** A whole number from JSON or from a command line's text; undefined when absent. */
function count(input: Record<string, unknown>, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0)
    throw errors.invalidRequest(`'${name}' must be a whole number of 0 or more.`, name);
  return number;
}

/** A date ("2026-11-01") or a time ("2026-11-01T12:00:00Z") as Unix seconds. */
function unixTime(input: Record<string, unknown>, name: string): number | undefined {
  const value = optionalText(input, name);
  if (value === undefined) return undefined;
  const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(time)) throw errors.invalidRequest(`'${name}' must be a date such as 2026-11-01.`, name);
  return Math.floor(time / 1_000);
}

function limitsView(limits: Limits) {
  return {
    requests_per_minute: limits.requestsPerMinute,
    tokens_per_minute: limits.tokensPerMinute,
    tokens_per_day: limits.tokensPerDay,
    tokens_per_month: limits.tokensPerMonth,
  };
}

export function usageOperations(
  dependencies: {
    usage: UsageModule;
    tenancy: TenancyService;
    apiKeys: ApiKeyService;
    /** Users and SCIM groups, for their budgets; without it only projects and keys can be named. */
    identity?: Pick<IdentityServices, "users" | "scimGroups">;
  },
  actor: string,
): Record<string, Operation> {
  const { usage, tenancy, apiKeys, identity } = dependencies;
  const subjectWords: Record<LimitSubjectKind, string> = {
    project: "one project",
    key: "one API key",
    user: "one user",
    group: "one group",
  };

  /** The project, API key, user or group the input names, checked to belong to the organisation. */
  async function subject(
    input: Record<string, unknown>,
    allowed: LimitSubjectKind[],
  ): Promise<{ organizationId: string; kind: LimitSubjectKind; id: string }> {
    const organizationId = requiredText(input, "organization");
    await tenancy.getOrganization(organizationId);
    const named = allowed.flatMap((kind) => {
      const id = optionalText(input, kind);
      return id === undefined ? [] : [{ kind, id }];
    });
    if (named.length !== 1) {
      const words = allowed.map((kind) => subjectWords[kind]);
      const list = words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words.at(-1)!}` : words[0]!;
      throw errors.invalidRequest(`Name ${list}.`, allowed[0]!);
    }
    const { kind, id } = named[0]!;
    if (kind === "project") {
      await tenancy.getProject(organizationId, id);
      return { organizationId, kind, id };
    }
    if (kind === "user") {
      await identity!.users.get(organizationId, id);
      return { organizationId, kind, id };
    }
    if (kind === "group") {
      // SCIM answers in its own error shape; the admin surfaces answer in the platform's.
      await identity!.scimGroups.get(organizationId, id, false).catch((error: unknown) => {
        throw (error as { status?: number }).status === 404 ? errors.notFound("group", id) : error;
      });
      return { organizationId, kind, id };
    }
    const keys = await apiKeys.list(organizationId);
    if (!keys.some((key) => key.id === id && key.revokedAt === null))
      throw errors.notFound("active API key", id);
    return { organizationId, kind: "key", id };
  }

  /** Rates for projects and keys; budgets for projects, and for users and groups when identity is wired. */
  function kindsFor(group: LimitGroup): LimitSubjectKind[] {
    if (group === "rates") return ["project", "key"];
    return identity ? ["project", "user", "group"] : ["project"];
  }

  async function set(input: Record<string, unknown>, group: LimitGroup, values: Partial<Limits>) {
    const target = await subject(input, kindsFor(group));
    const limits = await usage.limits.set({ ...target, group, values, actor });
    return { organization: target.organizationId, [target.kind]: target.id, ...limitsView(limits) };
  }

  async function clear(input: Record<string, unknown>, group: LimitGroup) {
    const target = await subject(input, kindsFor(group));
    await usage.limits.clear({ ...target, group, actor });
    return { organization: target.organizationId, [target.kind]: target.id, cleared: group };
  }

  return {
    async setRateLimits(input) {
      return set(input, "rates", {
        requestsPerMinute: count(input, "rpm"),
        tokensPerMinute: count(input, "tpm"),
      });
    },
    async clearRateLimits(input) {
      return clear(input, "rates");
    },
    async setBudgets(input) {
      return set(input, "budgets", {
        tokensPerDay: count(input, "daily"),
        tokensPerMonth: count(input, "monthly"),
      });
    },
    async clearBudgets(input) {
      return clear(input, "budgets");
    },
    async listLimits(input) {
      const organizationId = requiredText(input, "organization");
      await tenancy.getOrganization(organizationId);
      return (await usage.limits.list(organizationId)).map((limits) => ({
        subject: limits.kind,
        id: limits.id,
        ...limitsView(limits),
      }));
    },
    /**
     * Daily totals by project (a workspace for chat), user and model since a date: every page of the
     * usage API, flattened. `user_id` is set for workspace chat and personal API keys.
     */
    async usageReport(input) {
      const organizationId = requiredText(input, "organization");
      await tenancy.getOrganization(organizationId);
      const since = unixTime(input, "since");
      if (since === undefined) throw errors.invalidRequest("Missing required parameter: 'since'.", "since");
      const until = unixTime(input, "until");
      await usage.recorder.flush();
      const rows: Array<Record<string, string | number | null>> = [];
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
        const result = await usage.reports.completions(organizationId, query);
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
  };
}
