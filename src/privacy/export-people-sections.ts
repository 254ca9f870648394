// Export sections for who belongs to an organisation (OWN-2): its workspaces, its members with their
// roles and groups, and its roles with their permissions. Written against small shapes of the identity
// and access services, so the privacy domain imports neither.
import type { ExportSection } from "./export-organization.ts";

export interface MemberLister {
  listWorkspaces(organizationId: string): Promise<Array<{ id: string; name: string }>>;
  listMembers(
    organizationId: string,
    workspaceId: string,
  ): Promise<
    Array<{
      id: string;
      email: string;
      displayName: string;
      status: string;
      hasPassword: boolean;
      role: string;
      workspaceId: string;
    }>
  >;
}

/** The SCIM groups a user is in. */
export type GroupLookup = (organizationId: string, userId: string) => Promise<string[]>;

export interface RoleLister {
  list(
    organizationId: string,
  ): Promise<Array<{ name: string; builtin: boolean; permissions: readonly string[] }>>;
}

export function workspacesExportSection(users: MemberLister): ExportSection {
  return {
    name: "workspaces",
    async records(organizationId) {
      return (await users.listWorkspaces(organizationId)).map((workspace) => ({
        id: workspace.id,
        name: workspace.name,
      }));
    },
  };
}

/** Each member once, with their role in each workspace and their groups; never a password or a session. */
export function membersExportSection(users: MemberLister, groupsOf: GroupLookup): ExportSection {
  return {
    name: "members",
    async records(organizationId) {
      const members = new Map<string, Record<string, unknown> & { memberships: unknown[] }>();
      for (const workspace of await users.listWorkspaces(organizationId)) {
        for (const member of await users.listMembers(organizationId, workspace.id)) {
          let record = members.get(member.id);
          if (!record) {
            record = {
              id: member.id,
              email: member.email,
              display_name: member.displayName,
              status: member.status,
              password_sign_in: member.hasPassword,
              groups: await groupsOf(organizationId, member.id),
              memberships: [],
            };
            members.set(member.id, record);
          }
          record.memberships.push({ workspace: member.workspaceId, role: member.role });
        }
      }
      return [...members.values()];
    },
  };
}

export function rolesExportSection(roles: RoleLister): ExportSection {
  return {
    name: "roles",
    async records(organizationId) {
      return (await roles.list(organizationId)).map((role) => ({
        name: role.name,
        builtin: role.builtin,
        permissions: [...role.permissions],
      }));
    },
  };
}
