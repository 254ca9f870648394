// CTL-4, walked live: every GET route of the web app's API (`/api/...`), called through the installation's
// own listener by an admin of the first probe organisation, with each id in its path set to a probe
// member's conversation that holds a canary, answers without the canary. The member reading the same
// conversation through the same listener, where the canary is found, is the positive control. A route
// that does not answer in time fails the probe: a walk that skips what it cannot read proves nothing.
import { randomBytes } from "node:crypto";
import { fetch } from "undici";
import { sessionCookieNames } from "../../identity/session-cookies.ts";
import {
  expectThat,
  ProbeFailure,
  ProbeSkipped,
  type Probe,
  type ProbeContext,
  listenerAgent,
} from "../probe.ts";
import { probeAdmin } from "./isolation-probes.ts";

const source = "src/trust/probes/admin-walk-probe.ts";
/** Sessions the probe makes carry this method, so that it ends exactly those afterwards. */
const sessionMethod = "trust-probe";
const perRouteMs = 15_000;

/** `/api/admin/projects/:id/keys` with every parameter set: the organisation's own, or the conversation. */
function pathOf(url: string, ids: { organization: string; conversation: string }): string {
  return url.replace(/:([A-Za-z_]+)/g, (_, name: string) =>
    name === "organization" ? ids.organization : ids.conversation,
  );
}

export const adminWalkProbe: Probe = {
  name: "isolation.admin-routes",
  commitments: ["CTL-4"],
  description:
    "every GET route of the web app's API, called by an organisation admin with a member's conversation's id, answers without its content",
  source,
  remedy:
    "A route that answers a member's conversation to an admin breaks CTL-4: note the route named in the failure, " +
    "keep the data directory, and report it to the maintainers.",
  async run(context: ProbeContext) {
    const { listener } = context;
    if (!listener) throw new ProbeSkipped("runs only in a serving process (its own listener)");
    const first = await context.organizations.first();
    const member = first.member;
    const admin = await probeAdmin(context, member);
    const { conversations } = context.workspace;
    const { sessions } = context.identity;
    const canary = `custodian-probe-walk-${randomBytes(8).toString("hex")}`;
    const conversation = await conversations.create(member, { model: "trust-probe", title: canary });
    const dispatcher = listenerAgent(listener);
    const cookie = sessionCookieNames(listener.url.startsWith("https:")).session;
    const get = async (path: string, token: string) => {
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(perRouteMs)]);
      try {
        const response = await fetch(new URL(path, listener.url), {
          dispatcher,
          headers: { cookie: `${cookie}=${token}` },
          signal,
        });
        return { status: response.status, text: await response.text() };
      } catch (error) {
        throw new ProbeFailure(
          `CTL-4: GET ${path.replace(conversation.id, ":id")} did not answer (${error instanceof Error ? error.name : "error"})`,
        );
      }
    };
    try {
      await conversations.append(member, conversation.id, { role: "user", content: `question ${canary}` });
      const own = await sessions.create({ ...member, method: sessionMethod });
      const control = await get(`/api/conversations/${conversation.id}`, own.token);
      expectThat(
        control.status === 200 && control.text.includes(canary),
        `the member's own read of the conversation answered ${control.status} without its content (positive control)`,
      );
      const session = await sessions.create({
        organizationId: member.organizationId,
        userId: admin.id,
        method: sessionMethod,
      });
      const routes = listener.routes.filter(
        (route) => route.method === "GET" && route.url.startsWith("/api/"),
      );
      expectThat(routes.length > 0, "the listener lists no GET route under /api/ to walk");
      const leaks: string[] = [];
      const statuses = new Map<number, number>();
      for (const route of routes) {
        const answer = await get(
          pathOf(route.url, { organization: member.organizationId, conversation: conversation.id }),
          session.token,
        );
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.text.includes(canary)) leaks.push(`GET ${route.url}`);
      }
      expectThat(
        leaks.length === 0,
        `CTL-4: an admin was answered a member's conversation by ${leaks.join(", ")}`,
      );
      const answered = [...statuses].map(([status, count]) => `${count}×${status}`).join(", ");
      return [
        "the member reads their own conversation through the listener (the canary is found)",
        `${routes.length} GET routes under /api/ walked as an admin with its id (${answered}): no content`,
      ];
    } finally {
      await sessions.revokeAllForUser(member.organizationId, admin.id, "system", sessionMethod);
      await sessions.revokeAllForUser(member.organizationId, member.userId, "system", sessionMethod);
      await conversations.delete(member, conversation.id);
      await dispatcher.close();
    }
  },
};
