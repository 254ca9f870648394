// The features an organisation switches on or off per workspace and per group (CTL-2).
export const features = ["models", "file_upload", "api_keys", "fine_tuning", "sharing", "export"] as const;
export type Feature = (typeof features)[number];

export function isFeature(value: string): value is Feature {
  return (features as readonly string[]).includes(value);
}

/** What applies to one member: every feature's switch, and the models they may use (null: all). */
export interface EffectiveFeatures {
  enabled: Record<Feature, boolean>;
  allowedModels: readonly string[] | null;
}
