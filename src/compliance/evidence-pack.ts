// SEC-5: the SOC 2 evidence pack of one organisation, as the files of one archive: the commitments
// mapped to the Trust Services Criteria, the live probes' history, the organisation's audit log with
// its signed checkpoint, inclusion proofs and public key, the configuration without secrets, the
// access-transparency report and the data keys' rotation history. Nothing in it is business content.
import { createHash } from "node:crypto";
import type { AuditEntry } from "../audit/audit-entry.ts";
import type { Config } from "../config/config.ts";
import type { TarFile } from "../core/tar-writer.ts";
import type { AuditLogExport } from "../privacy/export-audit-log.ts";
import { configurationSnapshot } from "./configuration-snapshot.ts";
import { controlMapping, trustServicesCriteria } from "./soc2-criteria.ts";

export const evidenceFormat = "custodian-evidence-pack/v1";

/** Where each part of the pack comes from; the compliance module fills these in from other modules. */
export interface EvidenceSources {
  config: Readonly<Config>;
  /** The live trust probes' newest results, newest first (trust.history). */
  probeHistory(limit: number): Promise<unknown[]>;
  auditLog(organizationId: string): Promise<AuditLogExport>;
  /** The access-transparency report, as GET /api/access-transparency answers it. */
  transparency(organizationId: string): Promise<unknown>;
  keyVersions(organizationId: string): Promise<Array<{ version: number; createdAt: Date }>>;
  /** What wraps the organisation's data keys: the master key ("local") or its own KMS. */
  keyWrapper(organizationId: string): Promise<string>;
  /** Audit entries about the organisation's keys (a customer-managed key set or removed). */
  keyEvents(organizationId: string): Promise<AuditEntry[]>;
}

/** The files of the archive, under these names. */
export const evidenceSections = [
  "README.txt",
  "controls/soc2-mapping.json",
  "trust/probe-history.json",
  "audit/audit-log.json",
  "audit/public-key.txt",
  "configuration/configuration.json",
  "access-transparency/report.json",
  "keys/rotation-history.json",
  "manifest.json",
] as const;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

const readme = (organizationId: string, at: string) =>
  `Custodian evidence pack (${evidenceFormat})
Organisation: ${organizationId}
Made: ${at}

controls/soc2-mapping.json        each commitment, the SOC 2 Trust Services Criteria it supports, its code and tests
trust/probe-history.json          the live trust probes' recent results (what was checked, when, the outcome)
audit/audit-log.json              the organisation's audit entries, the signed checkpoint and inclusion proofs
audit/public-key.txt              the checkpoints' verifier key (C2SP signed note); verify offline with it
configuration/configuration.json  the installation's configuration, secrets removed
access-transparency/report.json   every staff-access grant and every staff access to the organisation's data
keys/rotation-history.json        the versions of the organisation's data key and what wraps them
manifest.json                     the SHA-256 of every file above

The mapping states which criteria each commitment supports; the probes' results and the audit log are
the evidence. No file holds conversation content, prompts, completions or file contents.
`;

export async function evidenceFiles(
  sources: EvidenceSources,
  organizationId: string,
  now = new Date(),
): Promise<TarFile[]> {
  const at = now.toISOString();
  const [history, auditLog, transparency, versions, wrapper, keyEvents] = await Promise.all([
    sources.probeHistory(500),
    sources.auditLog(organizationId),
    sources.transparency(organizationId),
    sources.keyVersions(organizationId),
    sources.keyWrapper(organizationId),
    sources.keyEvents(organizationId),
  ]);
  const files: TarFile[] = [
    { name: "README.txt", content: readme(organizationId, at) },
    {
      name: "controls/soc2-mapping.json",
      content: json({ criteria: trustServicesCriteria, commitments: controlMapping() }),
    },
    { name: "trust/probe-history.json", content: json({ results: history }) },
    { name: "audit/audit-log.json", content: json(auditLog) },
    { name: "audit/public-key.txt", content: `${auditLog.public_key ?? "(the log signs no checkpoints)"}\n` },
    { name: "configuration/configuration.json", content: json(configurationSnapshot(sources.config)) },
    { name: "access-transparency/report.json", content: json(transparency) },
    {
      name: "keys/rotation-history.json",
      content: json({
        wrapped_by: wrapper,
        versions: versions.map((version) => ({
          version: version.version,
          created_at: version.createdAt.toISOString(),
        })),
        events: keyEvents.map((entry) => ({
          seq: entry.seq,
          at: entry.at.toISOString(),
          actor: entry.actor,
          action: entry.action,
          metadata: entry.metadata,
        })),
      }),
    },
  ];
  const manifest = {
    format: evidenceFormat,
    organization: organizationId,
    created_at: at,
    files: files.map((file) => ({
      name: file.name,
      sha256: createHash("sha256").update(file.content).digest("hex"),
    })),
  };
  return [...files, { name: "manifest.json", content: json(manifest) }];
}
