// Every commitment of the mission (MISSION.md), by ID, with a one-line summary, the live settings that
// bear on it, the modules that enforce it and the tests that prove it: from an ID to its code in one
// step (commitments.test.ts checks each named file). Copied here so the repository depends on no file
// outside it; keep the two in step.

export interface Commitment {
  id: string;
  summary: string;
  /** Keys of the trust report's live settings that show this commitment's state now. */
  live: readonly LiveSettingName[];
  /** The source files that enforce it; each names the ID in its opening comment. */
  enforcedBy: readonly string[];
  /** Test files with a test whose title names the ID (`[ID] ...`); the trust report finds them all. */
  provenBy: readonly string[];
}

export type LiveSettingName = "encryption" | "tls" | "retention" | "zdr" | "audit" | "hipaa";

export const commitments: readonly Commitment[] = [
  {
    id: "OWN-1",
    summary: "No training on business data.",
    live: [],
    enforcedBy: ["src/finetune/training-input.ts"],
    provenBy: ["test/fine-tuning.test.ts", "test/trust-probes.test.ts"],
  },
  {
    id: "OWN-2",
    summary: "Users and organisations export all their data in open formats.",
    live: [],
    enforcedBy: ["src/privacy/export-organization.ts", "src/http/transparency-routes.ts"],
    provenBy: [
      "test/e2e/chat-workspace.test.ts",
      "test/privacy-oversight.test.ts",
      "test/workspace-api.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "OWN-3",
    summary: "Workspace admins control retention; expired data is purged.",
    live: [],
    enforcedBy: ["src/workspace/workspace-retention.ts", "src/workspace/workspace-purge.ts"],
    provenBy: ["test/physical-deletion.test.ts", "test/trust-probes.test.ts"],
  },
  {
    id: "OWN-4",
    summary: "Deletion is real: key destroyed at once, rows gone by the next purge.",
    live: ["encryption"],
    enforcedBy: [
      "src/workspace/workspace-retention.ts",
      "src/workspace/workspace-purge.ts",
      "src/db/physical-erasure.ts",
    ],
    provenBy: [
      "test/physical-deletion.test.ts",
      "src/jobs/periodic-task.test.ts",
      "src/http/scim-routes.test.ts",
      "src/workspace/conversation-service.test.ts",
      "test/e2e/chat-workspace.test.ts",
      "test/workspace-api.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "CTL-1",
    summary: "SAML 2.0 and OIDC single sign-on, SCIM provisioning, enforced SSO.",
    live: [],
    enforcedBy: ["src/identity/saml/saml-login-service.ts", "src/identity/oidc/oidc-login-service.ts"],
    provenBy: [
      "src/http/oidc-routes.test.ts",
      "src/http/scim-routes.test.ts",
      "src/http/session-routes.test.ts",
      "src/http/sso-routes.test.ts",
      "src/identity/saml/saml-attacks.test.ts",
      "test/e2e/chat-workspace.test.ts",
      "test/route-table.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "CTL-2",
    summary: "Roles, custom roles and per-workspace feature switches.",
    live: [],
    enforcedBy: ["src/access/features.ts"],
    provenBy: [
      "src/access/access-module.test.ts",
      "src/usage/rate-limits-multi-node.test.ts",
      "src/usage/rate-limits-redis.test.ts",
      "src/usage/usage-metering.test.ts",
      "src/usage/user-group-budgets.test.ts",
      "src/usage/window-counters.test.ts",
      "test/e2e/chat-workspace.test.ts",
      "test/multi-node-in-process.test.ts",
      "test/route-table.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "CTL-3",
    summary: "Fine-tuned models belong to the organisation that made them.",
    live: [],
    enforcedBy: ["src/inference/model-router.ts"],
    provenBy: ["test/fine-tuning.test.ts", "test/trust-probes.test.ts"],
  },
  {
    id: "CTL-4",
    summary: "Only the end user reads their conversations; no admin route returns them.",
    live: [],
    enforcedBy: [
      "src/http/admin-api-routes.ts",
      "src/access/role-service.ts",
      "src/compliance/audit-log-view.ts",
    ],
    provenBy: [
      "src/workspace/conversation-service.test.ts",
      "test/organization-audit-logs.test.ts",
      "test/route-table-content.test.ts",
      "test/route-table-roles.test.ts",
      "test/workspace-api.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "SEC-1",
    summary: "AES-256-GCM envelope encryption at rest; no plaintext business content anywhere.",
    live: ["encryption"],
    enforcedBy: ["src/crypto/keyring.ts", "src/crypto/aead.ts"],
    provenBy: [
      "src/crypto/customer-keys.test.ts",
      "src/crypto/keyring.test.ts",
      "src/files/sealed-chunks.test.ts",
      "src/usage/usage-metering.test.ts",
      "src/workspace/conversation-service.test.ts",
      "test/customer-managed-keys.test.ts",
      "test/multi-node-in-process.test.ts",
      "test/no-content-leaks.test.ts",
      "test/operations-endpoints.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "SEC-2",
    summary: "TLS 1.2 or newer in transit, to clients, the database and models.",
    live: ["tls"],
    enforcedBy: ["src/http/app.ts"],
    provenBy: [
      "src/config/config.test.ts",
      "test/hostile-input.test.ts",
      "test/tls-upstreams.test.ts",
      "test/tls.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "SEC-3",
    summary: "Operators read customer data only through a justified, visible grant.",
    live: [],
    enforcedBy: [
      "src/privacy/staff-grants.ts",
      "src/privacy/staff-data-access.ts",
      "src/http/operator-routes.ts",
      "src/http/transparency-routes.ts",
    ],
    provenBy: [
      "test/e2e/chat-workspace.test.ts",
      "test/operations-endpoints.test.ts",
      "test/privacy-oversight.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "SEC-4",
    summary: "Tamper-evident audit log, verifiable offline; security events page.",
    live: ["audit"],
    enforcedBy: [
      "src/notify/security-events.ts",
      "src/notify/security-operations.ts",
      "src/compliance/admin-key-service.ts",
    ],
    provenBy: [
      "src/audit/audit-log.test.ts",
      "test/organization-audit-logs.test.ts",
      "src/identity/auth-failure-summary.test.ts",
      "src/inference/model-registry.test.ts",
      "src/notify/security-event-monitor.test.ts",
      "test/cli.test.ts",
      "test/no-content-leaks.test.ts",
      "test/privacy-oversight.test.ts",
      "test/route-table.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "SEC-5",
    summary: "Compliance evidence; HIPAA mode forces ZDR and covered backends.",
    live: ["zdr", "hipaa"],
    enforcedBy: ["src/privacy/hipaa-mode.ts", "src/compliance/evidence-pack.ts"],
    provenBy: ["test/privacy-oversight.test.ts", "test/trust-probes.test.ts", "test/evidence-export.test.ts"],
  },
  {
    id: "API-1",
    summary: "API inputs and outputs kept at most 30 days, encrypted, for abuse monitoring, then purged.",
    live: ["retention", "encryption"],
    enforcedBy: [
      "src/privacy/privacy-settings-service.ts",
      "src/privacy/api-traffic-observer.ts",
      "src/privacy/api-retention-purge.ts",
      "src/db/physical-erasure.ts",
    ],
    provenBy: [
      "src/privacy/api-retention.test.ts",
      "test/zero-data-retention.test.ts",
      "test/physical-deletion.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "API-2",
    summary: "Zero data retention: content never reaches durable storage.",
    live: ["zdr"],
    enforcedBy: ["src/privacy/privacy-admission.ts", "src/privacy/api-traffic-observer.ts"],
    provenBy: [
      "src/privacy/api-retention.test.ts",
      "test/zero-data-retention.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "API-3",
    summary: "Classifiers run on API traffic and store metadata only.",
    live: [],
    enforcedBy: [
      "src/privacy/classifier.ts",
      "src/privacy/builtin-classifier.ts",
      "src/privacy/api-traffic-observer.ts",
    ],
    provenBy: [
      "src/http/moderations-routes.test.ts",
      "src/privacy/api-retention.test.ts",
      "src/privacy/builtin-classifier.test.ts",
      "src/privacy/model-classifier.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "API-4",
    summary: "Stored API data readable only by authorised reviewers, flagged items only, audited.",
    live: ["retention", "zdr"],
    enforcedBy: ["src/privacy/review-queue.ts", "src/http/review-routes.ts", "src/http/operator-routes.ts"],
    provenBy: [
      "test/privacy-oversight.test.ts",
      "test/route-table-roles.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "FT-1",
    summary: "Real fine-tuning through the OpenAI-style files and jobs API.",
    live: [],
    enforcedBy: ["src/finetune/fine-tuning-jobs.ts", "src/finetune/trainer/trainer.ts"],
    provenBy: [
      "src/finetune/trainer/trainer.test.ts",
      "test/fine-tuning.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "FT-2",
    summary: "Fine-tuning files are kept until the organisation deletes them.",
    live: [],
    enforcedBy: ["src/files/file-service.ts"],
    provenBy: ["test/fine-tuning-retention.test.ts", "test/fine-tuning.test.ts", "test/trust-probes.test.ts"],
  },
  {
    id: "FT-3",
    summary: "A fine-tuned model serves only its organisation.",
    live: [],
    enforcedBy: ["src/inference/model-router.ts"],
    provenBy: ["test/fine-tuning.test.ts", "test/trust-probes.test.ts"],
  },
  {
    id: "PLAT-1",
    summary: "A chat workspace and an OpenAI-compatible API, official clients unchanged.",
    live: [],
    enforcedBy: ["src/http/openai-routes.ts", "src/http/workspace-routes.ts"],
    provenBy: [
      "src/http/completions-routes.test.ts",
      "src/http/openai-routes.test.ts",
      "src/inference/llama/llama-provider.test.ts",
      "test/e2e/chat-workspace.test.ts",
      "test/workspace-api.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "PLAT-2",
    summary: "A live trust page and `custodian trust` with every commitment's proof.",
    live: [],
    enforcedBy: ["src/privacy/trust-report.ts", "src/http/trust-routes.ts", "src/trust/trust-service.ts"],
    provenBy: [
      "src/privacy/trust-report.test.ts",
      "test/e2e/chat-workspace.test.ts",
      "test/trust-fresh-start.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
  {
    id: "PLAT-3",
    summary: "One machine on embedded defaults; many stateless nodes on PostgreSQL.",
    live: [],
    enforcedBy: ["src/db/database.ts", "src/files/blob-store.ts"],
    provenBy: [
      "src/cli/models-pull.test.ts",
      "src/finetune/demo-model-entry.test.ts",
      "src/finetune/demo-model.test.ts",
      "test/blob-store-contract.test.ts",
      "test/crash-consistency.test.ts",
      "test/database-faults.test.ts",
      "test/multi-node-in-process.test.ts",
      "test/multi-node.test.ts",
      "test/trust-probes.test.ts",
    ],
  },
];
