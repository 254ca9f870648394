// SEC-3, API-4, CTL-2, CTL-1: who may reach what, checked live in the probe organisation. An operator
// without a grant is refused (403) every conversation and API record of it, in the services and on the
// operators' HTTP routes; roles hold what they should (a member cannot manage members, an admin can, and
// no owner or admin holds the abuse reviewers' permissions); SCIM tokens authenticate only while live,
// and an SSO identity provisions one user just in time and stays bound to it.
import { randomBytes } from "node:crypto";
import { fetch } from "undici";
import { builtinRoles } from "../../access/builtin-roles.ts";
import {
  expectRefusal,
  expectThat,
  statusOf,
  type Probe,
  type ProbeContext,
  listenerAgent,
} from "../probe.ts";

const source = "src/trust/probes/access-probes.ts";
/** An operator id no grant names: what any operator without a grant is. */
const noOperator = "op_trust_probe_without_grant";

async function forbidden(work: () => Promise<unknown>, what: string): Promise<void> {
  const refusal = await expectRefusal(work, `${what} was allowed without a grant`);
  expectThat(statusOf(refusal) === 403, `${what} answered ${String(statusOf(refusal))}, not 403`);
}

/** The operators' routes, over the listener without an operator's sign-in: never a 2xx. */
async function operatorRoutesOverHttp(context: ProbeContext, organizationId: string): Promise<string> {
  const { listener } = context;
  if (!listener) return "operator routes over HTTP: not serving in this process";
  const dispatcher = listenerAgent(listener);
  try {
    const paths = [
      "/api/operator/grants",
      `/api/operator/organizations/${organizationId}/conversations`,
      `/api/operator/organizations/${organizationId}/api-records`,
    ];
    for (const route of paths) {
      const response = await fetch(new URL(route, listener.url), { dispatcher, signal: context.signal });
      await response.arrayBuffer();
      expectThat(
        response.status === 401 || response.status === 403 || response.status === 404,
        `SEC-3: ${route} answered ${response.status} without an operator's sign-in`,
      );
    }
    return `operator routes over HTTP: ${paths.length} refused without an operator's sign-in`;
  } finally {
    await dispatcher.close();
  }
}

export const staffAccessProbe: Probe = {
  name: "access.staff-without-grant",
  commitments: ["SEC-3", "API-4"],
  description:
    "an operator without a grant is refused (403) conversations and API records; owners and admins hold no reviewer permission",
  source,
  remedy:
    "Staff reaching data without a grant breaks SEC-3 and API-4: disable operators (`custodian operators`), " +
    "review the access-transparency log, and report it to the maintainers.",
  async run(context) {
    const { organizationId, member } = await context.organizations.first();
    const { staffData } = context.oversight;
    await forbidden(
      () => staffData.listConversations(noOperator, organizationId),
      "SEC-3: listing conversations",
    );
    await forbidden(
      () => staffData.readConversation(noOperator, organizationId, `conv_${randomBytes(12).toString("hex")}`),
      "SEC-3: reading a conversation",
    );
    await forbidden(() => staffData.listApiRecords(noOperator, organizationId), "API-4: listing API records");
    const reviewers = (["owner", "admin", "member"] as const).filter((role) =>
      builtinRoles[role].some((permission) => permission.startsWith("review.")),
    );
    expectThat(
      reviewers.length === 0,
      `API-4: built-in roles ${reviewers.join(", ")} hold reviewer permissions`,
    );
    expectThat(
      !(await context.access.allowed(organizationId, member.userId, "review.read")),
      "API-4: a plain member may read the abuse-review queue",
    );
    return [
      "an operator without a grant: 403 listing and reading conversations, 403 listing API records",
      "owner, admin and member roles hold no abuse-review permission",
      await operatorRoutesOverHttp(context, organizationId),
    ];
  },
};

export const rolesProbe: Probe = {
  name: "access.roles",
  commitments: ["CTL-2"],
  description: "a member cannot manage members or settings; an admin can (the positive control)",
  source,
  remedy: "Check the organisation's custom roles and role assignments in the admin console (Roles, Members).",
  async run(context) {
    const { organizationId, member } = await context.organizations.first();
    const { access } = context;
    for (const permission of ["members.write", "roles.write", "keys.write", "privacy.write"] as const)
      expectThat(
        !(await access.allowed(organizationId, member.userId, permission)),
        `CTL-2: a member holds ${permission}`,
      );
    const admin = builtinRoles.admin;
    expectThat(
      admin.includes("members.write"),
      "CTL-2: the admin role cannot manage members (positive control)",
    );
    return [
      "a member holds none of members.write, roles.write, keys.write, privacy.write",
      "the admin role manages members",
    ];
  },
};

export const provisioningProbe: Probe = {
  name: "access.provisioning",
  commitments: ["CTL-1"],
  description:
    "SCIM tokens authenticate only while live; an SSO identity is provisioned just in time and stays bound to one user",
  source,
  remedy:
    "Check SSO and SCIM settings in the admin console (Sign-in); revoke SCIM tokens you do not recognise.",
  async run(context) {
    const { organizationId } = await context.organizations.first();
    const { scimTokens, users } = context.identity;
    const created = await scimTokens.create(organizationId, "system");
    try {
      const found = await scimTokens.authenticate(created.token);
      expectThat(
        found?.organizationId === organizationId,
        "CTL-1: a new SCIM token does not authenticate (positive control)",
      );
      expectThat(
        (await scimTokens.authenticate(`${created.token}x`)) === null,
        "CTL-1: a wrong SCIM token authenticates",
      );
    } finally {
      await scimTokens.revoke(organizationId, created.id, "system");
    }
    expectThat(
      (await scimTokens.authenticate(created.token)) === null,
      "CTL-1: a revoked SCIM token still authenticates",
    );
    const identity = {
      organizationId,
      provider: "trust-probe",
      externalId: "probe-first",
      email: "probe-first@probes.invalid",
    };
    const again = await users.provisionFromSso(identity);
    const once = await users.provisionFromSso(identity);
    expectThat(
      !once.created && once.user.id === again.user.id,
      "CTL-1: one SSO identity provisioned two users",
    );
    return [
      "a SCIM token authenticates while live; a wrong or revoked one is refused",
      "an SSO identity maps to one just-in-time user",
    ];
  },
};
