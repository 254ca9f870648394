// Callers who must not see what a test platform's own key made: a key of another project in the same
// organisation, and a key of another organisation. Tenant-isolation checks loop over both.
import type { TestPlatform } from "./platform.ts";

export async function strangerKeys(platform: TestPlatform): Promise<[string, string]> {
  const core = platform.server.platform;
  const project = await core.tenancy.createProject(platform.organization, "Other project", "test");
  const sameOrganization = await core.apiKeys.create({
    organizationId: platform.organization,
    projectId: project.id,
    actor: "test",
  });
  const other = await core.tenancy.createOrganization("Other organization", "test");
  const otherOrganization = await core.apiKeys.create({
    organizationId: other.organization.id,
    projectId: other.project.id,
    actor: "test",
  });
  return [sameOrganization.key, otherOrganization.key];
}
