// The text of every commitment, as MISSION.md words it, shipped with the code: the trust report, the trust
// page and the evidence read it from here, never from a file outside the project (commitments.test.ts
// keeps the IDs in step with commitments.ts).

export const commitmentTexts: Readonly<Record<string, string>> = {
  "OWN-1":
    "No training on business data. Workspace conversations and API traffic never enter any training run. The only training input is a file an organisation uploaded for fine-tuning, used only for that organisation's own models.",
  "OWN-2":
    "You own inputs and outputs: a user exports all of their conversations; an organisation exports all of its files, fine-tuning jobs, models' metadata and audit log. Formats are open (JSON/JSONL), complete, and re-importable where that makes sense.",
  "OWN-3":
    'You control retention: workspace admins set how long conversations are kept (per workspace; "forever" allowed); expired data is purged automatically.',
  "OWN-4":
    "Deletion is real: a deleted conversation is unreadable at once (its key is destroyed) and physically gone from the database by the next purge cycle. The seed promises 30 days; Custodian's default is one hour, and never more than 30 days.",
  "CTL-1":
    "Enterprise sign-in through SAML 2.0 SSO (signed responses/assertions only), with just-in-time provisioning; OIDC as the second SSO protocol; SCIM 2.0 for provisioning and de-provisioning; SSO can be enforced for a domain.",
  "CTL-2":
    "Fine-grained control over access and available features: roles, custom roles, and per-workspace/per-group switches for each feature (models allowed, file upload, API keys, fine-tuning, sharing, export).",
  "CTL-3":
    "Custom (fine-tuned) models belong to the organisation that made them: no other organisation can list, call, or train on them.",
  "CTL-4":
    "Inside an organisation only the end user can read their own conversations. Admins manage workspaces, members and settings, and no admin route returns conversation content.",
  "SEC-1":
    "Encryption at rest with AES-256 (GCM): envelope encryption with a master key outside the database, a key per organisation (and per conversation for shredding), key rotation. Business content is never stored in plaintext: not in tables, files, logs or metrics.",
  "SEC-2":
    "Encryption in transit with TLS 1.2 or newer, and nothing older accepted; verified TLS to the database and to upstream model servers.",
  "SEC-3":
    "Strict access control for operators (\"staff\"): reading customer data is possible only (a) to resolve an incident, (b) to recover a user's conversation with that user's explicit, time-limited permission, or (c) where law requires it (legal hold), each with a recorded justification, and every such access is visible to the organisation (access transparency).",
  "SEC-4":
    "Tamper-evident audit log of every security-relevant action, verifiable offline; security events can page someone (webhook).",
  "SEC-5":
    "Compliance support: evidence for SOC 2-style audits (controls, their live status, audit export); a HIPAA/BAA mode for an organisation that forces zero data retention and refuses model backends not marked as covered.",
  "API-1":
    "API inputs and outputs are kept at most 30 days (configurable lower), only for abuse monitoring, encrypted, then purged.",
  "API-2":
    "Zero Data Retention: for an organisation or project with ZDR, request and response content of eligible endpoints never reaches durable storage.",
  "API-3":
    "Automated content classifiers run on API traffic; what they store is metadata (categories, scores, ids) that holds no business data.",
  "API-4":
    "Stored API data is readable only by authorised staff for support, abuse investigation or legal compliance; the abuse-reviewer role sees only flagged items, inside the retention window, never ZDR traffic; every view is audited.",
  "FT-1":
    "Organisations fine-tune models on their own prompt/completion pairs (and chat-format examples) through the OpenAI-style files and fine-tuning jobs API, and the training is real.",
  "FT-2": "Fine-tuning files are kept until the organisation deletes them, and no longer.",
  "FT-3": "A fine-tuned model serves only its organisation.",
  "PLAT-1":
    "A chat workspace (web app) and an OpenAI-compatible API, usable with the official OpenAI client libraries unchanged.",
  "PLAT-2": "A live trust page and `custodian trust`: every commitment above, its proof, its status.",
  "PLAT-3":
    "Runs on one machine with embedded defaults (embedded PostgreSQL, local files, local model); scales out to many stateless nodes on PostgreSQL and external model servers.",
};
