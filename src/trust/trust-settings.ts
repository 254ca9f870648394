// PLAT-2: the live settings the trust report shows, without the probe organisations: their retention,
// zero data retention and HIPAA mode are the probes' own and never shown to customers.
import type { LiveSettingName } from "../privacy/commitments.ts";

type Settings = Record<LiveSettingName, unknown>;

interface OrganizationEntry {
  organization: string;
}

export async function withoutInternal(
  settings: Settings,
  isInternal: (organizationId: string) => Promise<boolean>,
): Promise<Settings> {
  const internal = new Set<string>();
  const ids = new Set<string>();
  const retention = settings.retention as { settings?: OrganizationEntry[] };
  const zdr = settings.zdr as { on?: OrganizationEntry[] };
  const hipaa = settings.hipaa as { organizations?: string[] };
  for (const entry of [...(retention.settings ?? []), ...(zdr.on ?? [])]) ids.add(entry.organization);
  for (const id of hipaa.organizations ?? []) ids.add(id);
  for (const id of ids) if (await isInternal(id)) internal.add(id);
  const keep = (entry: OrganizationEntry) => !internal.has(entry.organization);
  return {
    ...settings,
    retention: { ...retention, ...(retention.settings ? { settings: retention.settings.filter(keep) } : {}) },
    zdr: { ...zdr, ...(zdr.on ? { on: zdr.on.filter(keep) } : {}) },
    hipaa: {
      ...hipaa,
      ...(hipaa.organizations
        ? { organizations: hipaa.organizations.filter((id) => !internal.has(id)) }
        : {}),
    },
  };
}
