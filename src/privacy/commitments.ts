// Every commitment of the mission (MISSION.md), by ID, with a one-line summary and the live settings
// that bear on it. Copied here so the repository depends on no file outside it; keep the two in step.

export interface Commitment {
  id: string;
  summary: string;
  /** Keys of the trust report's live settings that show this commitment's state now. */
  live: readonly LiveSettingName[];
}

export type LiveSettingName = "encryption" | "tls" | "retention" | "zdr" | "audit" | "hipaa";

export const commitments: readonly Commitment[] = [
  { id: "OWN-1", summary: "No training on business data.", live: [] },
  { id: "OWN-2", summary: "Users and organisations export all their data in open formats.", live: [] },
  { id: "OWN-3", summary: "Workspace admins control retention; expired data is purged.", live: [] },
  {
    id: "OWN-4",
    summary: "Deletion is real: key destroyed at once, rows gone by the next purge.",
    live: ["encryption"],
  },
  { id: "CTL-1", summary: "SAML 2.0 and OIDC single sign-on, SCIM provisioning, enforced SSO.", live: [] },
  { id: "CTL-2", summary: "Roles, custom roles and per-workspace feature switches.", live: [] },
  { id: "CTL-3", summary: "Fine-tuned models belong to the organisation that made them.", live: [] },
  {
    id: "CTL-4",
    summary: "Only the end user reads their conversations; no admin route returns them.",
    live: [],
  },
  {
    id: "SEC-1",
    summary: "AES-256-GCM envelope encryption at rest; no plaintext business content anywhere.",
    live: ["encryption"],
  },
  {
    id: "SEC-2",
    summary: "TLS 1.2 or newer in transit, to clients, the database and models.",
    live: ["tls"],
  },
  { id: "SEC-3", summary: "Operators read customer data only through a justified, visible grant.", live: [] },
  {
    id: "SEC-4",
    summary: "Tamper-evident audit log, verifiable offline; security events page.",
    live: ["audit"],
  },
  {
    id: "SEC-5",
    summary: "Compliance evidence; HIPAA mode forces ZDR and covered backends.",
    live: ["zdr", "hipaa"],
  },
  {
    id: "API-1",
    summary: "API inputs and outputs kept at most 30 days, encrypted, for abuse monitoring, then purged.",
    live: ["retention", "encryption"],
  },
  { id: "API-2", summary: "Zero data retention: content never reaches durable storage.", live: ["zdr"] },
  { id: "API-3", summary: "Classifiers run on API traffic and store metadata only.", live: [] },
  {
    id: "API-4",
    summary: "Stored API data readable only by authorised reviewers, flagged items only, audited.",
    live: ["retention", "zdr"],
  },
  { id: "FT-1", summary: "Real fine-tuning through the OpenAI-style files and jobs API.", live: [] },
  { id: "FT-2", summary: "Fine-tuning files are kept until the organisation deletes them.", live: [] },
  { id: "FT-3", summary: "A fine-tuned model serves only its organisation.", live: [] },
  {
    id: "PLAT-1",
    summary: "A chat workspace and an OpenAI-compatible API, official clients unchanged.",
    live: [],
  },
  {
    id: "PLAT-2",
    summary: "A live trust page and `custodian trust` with every commitment's proof.",
    live: [],
  },
  {
    id: "PLAT-3",
    summary: "One machine on embedded defaults; many stateless nodes on PostgreSQL.",
    live: [],
  },
];
