// Custom roles against escalation (CTL-4): a role holds only permissions its maker holds, the owner's
// and the abuse reviewers' permissions are never in a custom role, and no one raises their own
// permissions, by a role they give themselves or by editing a role they hold. Walks every permission.
import { beforeAll, describe, expect, it } from "vitest";
import { builtinRoles, reservedPermissions } from "../src/access/builtin-roles.ts";
import { allPermissions, type Permission } from "../src/access/permissions.ts";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { useTestPlatform } from "./helpers/platform.ts";

const delegateHolds: Permission[] = [
  "conversations.use",
  "members.read",
  "members.write",
  "roles.read",
  "roles.write",
  "usage.read",
];

async function errorCode(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { error?: { code?: string } }).error?.code;
}

describe("custom roles and escalation", () => {
  const platform = useTestPlatform();
  let owner: BrowserSession;
  let admin: BrowserSession;
  let delegate: BrowserSession;
  let member: BrowserSession;

  function roleOf(session: BrowserSession, userId: string, role: string) {
    return session.fetch(`/api/admin/members/${userId}/role`, {
      method: "PUT",
      body: JSON.stringify({ role }),
    });
  }
  function makeRole(session: BrowserSession, name: string, permissions: string[]) {
    return session.fetch("/api/admin/roles", { method: "POST", body: JSON.stringify({ name, permissions }) });
  }
  async function permissionsOf(session: BrowserSession): Promise<string[]> {
    return ((await (await session.fetch("/api/admin/me")).json()) as { permissions: string[] }).permissions;
  }

  beforeAll(async () => {
    owner = await signInOwner(platform, { email: "owner@roles.example" });
    admin = await signInOwner(platform, { email: "admin@roles.example" });
    delegate = await signInOwner(platform, { email: "delegate@roles.example" });
    member = await signInOwner(platform, { email: "member@roles.example" });
    expect((await makeRole(owner, "delegate", delegateHolds)).status).toBe(201);
    for (const [session, role] of [
      [admin, "admin"],
      [delegate, "delegate"],
      [member, "member"],
    ] as const)
      expect((await roleOf(owner, session.userId, role)).status).toBe(200);
  });

  it("[CTL-4] an admin cannot make a role with the owner's export or the reviewers' permissions, nor give it to himself", async () => {
    // Positive control: what the attack wants is out of the admin's reach before it starts.
    expect((await admin.fetch("/api/organization/export")).status).toBe(403);
    expect((await admin.fetch("/api/review/records")).status).toBe(403);
    const attack = await makeRole(admin, "escalate", ["organization.export", "review.read", "review.decide"]);
    expect(attack.status).toBe(400);
    expect(await errorCode(attack)).toBe("invalid_value");
    expect((await roleOf(admin, admin.userId, "escalate")).status).toBe(404);
    expect((await admin.fetch("/api/organization/export")).status).toBe(403);
    expect((await admin.fetch("/api/review/records")).status).toBe(403);
    // Not even the owner puts them in a custom role.
    expect((await makeRole(owner, "owner-escalate", ["organization.export"])).status).toBe(400);
    expect((await makeRole(owner, "owner-review", ["review.read"])).status).toBe(400);
    // A custom role cannot be given the reviewers' role by an admin either: that is the owner's to give.
    const reviewerByAdmin = await roleOf(admin, admin.userId, "abuse-reviewer");
    expect(reviewerByAdmin.status).toBe(403);
    expect(await errorCode(reviewerByAdmin)).toBe("permission_not_held");
    expect((await roleOf(admin, member.userId, "abuse-reviewer")).status).toBe(403);
    expect(await permissionsOf(admin)).toEqual([...builtinRoles.admin].sort());
  });

  it("[CTL-4] every permission, as owner, admin and a delegate: a role holds only what its maker holds, never a reserved one", async () => {
    const makers = [
      { who: "o", session: () => owner, holds: new Set<string>(builtinRoles.owner) },
      { who: "a", session: () => admin, holds: new Set<string>(builtinRoles.admin) },
      { who: "d", session: () => delegate, holds: new Set<string>(delegateHolds) },
    ];
    const failures: string[] = [];
    const outcomes = new Set<number>();
    for (const permission of allPermissions) {
      for (const maker of makers) {
        const expected = reservedPermissions.includes(permission)
          ? 400
          : maker.holds.has(permission)
            ? 201
            : 403;
        outcomes.add(expected);
        const name = `${maker.who}-${permission.replace(".", "-")}`;
        const response = await makeRole(maker.session(), name, [permission]);
        if (response.status !== expected)
          failures.push(`${maker.who} making a role of ${permission}: ${response.status}, not ${expected}`);
      }
    }
    expect(failures).toEqual([]);
    // The walk met all three answers, so it can fail each way.
    expect([...outcomes].sort()).toEqual([201, 400, 403]);
    // No permission is outside both the admin's set and the reserved ones: each one was decided on purpose.
    expect(
      allPermissions.filter(
        (permission) => !builtinRoles.admin.includes(permission) && !reservedPermissions.includes(permission),
      ),
    ).toEqual([]);
    // Editing a role the delegate does not hold: within what they hold, yes; beyond it, no.
    const widened = await delegate.fetch("/api/admin/roles/d-usage-read", {
      method: "PUT",
      body: JSON.stringify({ permissions: ["usage.read", "members.read"] }),
    });
    expect(widened.status).toBe(200);
    const beyond = await delegate.fetch("/api/admin/roles/d-usage-read", {
      method: "PUT",
      body: JSON.stringify({ permissions: ["usage.read", "keys.write"] }),
    });
    expect(beyond.status).toBe(403);
    expect(await errorCode(beyond)).toBe("permission_not_held");
  });

  it("[CTL-4] no one raises their own permissions: not by giving themselves a larger role, nor by editing a role they hold", async () => {
    const before = await permissionsOf(delegate);
    expect(before).toEqual([...delegateHolds].sort());
    for (const role of ["admin", "auditor", "owner", "abuse-reviewer"]) {
      const raised = await roleOf(delegate, delegate.userId, role);
      expect(raised.status, role).toBe(403);
    }
    // Nor lift an accomplice above themselves.
    expect((await roleOf(delegate, member.userId, "admin")).status).toBe(403);
    const edited = await delegate.fetch("/api/admin/roles/delegate", {
      method: "PUT",
      body: JSON.stringify({ permissions: [...delegateHolds, "keys.write"] }),
    });
    expect(edited.status).toBe(403);
    expect(await errorCode(edited)).toBe("own_role");
    expect(await permissionsOf(delegate)).toEqual(before);
    // The owner may change it; and anyone may step down to a role within what they hold.
    const byOwner = await owner.fetch("/api/admin/roles/delegate", {
      method: "PUT",
      body: JSON.stringify({ permissions: [...delegateHolds, "audit.read"] }),
    });
    expect(byOwner.status).toBe(200);
    expect(await permissionsOf(delegate)).toContain("audit.read");
    expect((await roleOf(delegate, member.userId, "member")).status).toBe(200);
    expect((await roleOf(delegate, delegate.userId, "member")).status).toBe(200);
    expect(await permissionsOf(delegate)).toEqual(["conversations.use"]);
  });

  it("[API-4] the owner makes an abuse reviewer through the API, and the reviewer then reaches the queue", async () => {
    expect((await member.fetch("/api/review/records")).status).toBe(403);
    expect((await roleOf(owner, member.userId, "abuse-reviewer")).status).toBe(200);
    expect((await member.fetch("/api/review/records")).status).toBe(200);
    const audit = (await (await owner.fetch("/api/admin/audit?action=member.role_changed")).json()) as {
      data: Array<{ target: string; actor: string }>;
    };
    expect(audit.data).toContainEqual(
      expect.objectContaining({ target: member.userId, actor: owner.userId }),
    );
  });
});
