// Turning one feature switch (CTL-2) off for the test platform's default workspace while `work` runs,
// and on again after, whatever happens.
import type { TestPlatform } from "./platform.ts";

export async function withFeatureOff<T>(
  platform: TestPlatform,
  feature: string,
  work: () => Promise<T>,
): Promise<T> {
  const core = platform.server.platform;
  const workspace = await core.identity.users.defaultWorkspace(platform.organization);
  const change = {
    organizationId: platform.organization,
    scope: "workspace" as const,
    scopeId: workspace.id,
    feature,
    actor: "test",
  };
  await core.access.switches.set({ ...change, enabled: false });
  try {
    return await work();
  } finally {
    await core.access.switches.set({ ...change, enabled: true });
  }
}
