// SEC-5: each commitment mapped to the SOC 2 Trust Services Criteria (AICPA TSC 2017, points of focus
// revised 2022) it supports, for the evidence pack an auditor reads. The mapping is Custodian's own
// claim of relevance, not an attestation: the probes' history and the tests are the evidence.
import { commitments } from "../privacy/commitments.ts";

/** The criteria the mapping cites, with the short name an auditor knows them by. */
export const trustServicesCriteria = {
  "CC2.3": "Communication with external parties about matters affecting internal control",
  "CC4.1": "Ongoing and separate evaluations of whether controls are present and functioning",
  "CC6.1": "Logical access security: software, infrastructure and architectures, encryption",
  "CC6.2": "Registration, authorisation and removal of users before access is granted",
  "CC6.3": "Role-based access, least privilege and segregation of duties",
  "CC6.6": "Logical access security measures against threats from outside the system boundary",
  "CC6.7": "Restriction of the transmission and movement of information (data in transit)",
  "CC7.1": "Detection of configuration changes that introduce vulnerabilities",
  "CC7.2": "Monitoring of system components for anomalies indicative of malicious acts",
  "CC7.3": "Evaluation of security events to decide whether they are incidents",
  "CC8.1": "Change management: changes are authorised, tested and approved",
  "A1.1": "Capacity: current processing capacity is managed and monitored",
  "A1.2": "Environmental protections, software, data backup and recovery infrastructure",
  "C1.1": "Confidential information is identified and protected",
  "C1.2": "Confidential information is disposed of to meet objectives",
  "P4.1": "Use of personal information is limited to the purposes identified",
  "P4.2": "Personal information is retained only as long as needed",
  "P4.3": "Personal information is disposed of securely",
  "P5.1": "Data subjects can access their personal information",
  "P6.1": "Personal information is disclosed to third parties only for identified purposes, with consent",
  "PI1.2": "Inputs are processed completely, accurately and in a timely manner",
} as const;

export type CriterionId = keyof typeof trustServicesCriteria;

/** Which criteria each commitment supports; every commitment ID has a row (the evidence test checks). */
export const criteriaByCommitment: Readonly<Record<string, readonly CriterionId[]>> = {
  "OWN-1": ["P4.1", "C1.1"],
  "OWN-2": ["P5.1", "C1.1"],
  "OWN-3": ["P4.2", "C1.2"],
  "OWN-4": ["C1.2", "P4.3"],
  "CTL-1": ["CC6.1", "CC6.2"],
  "CTL-2": ["CC6.1", "CC6.3"],
  "CTL-3": ["CC6.1", "C1.1"],
  "CTL-4": ["CC6.1", "CC6.3", "C1.1"],
  "SEC-1": ["CC6.1", "C1.1"],
  "SEC-2": ["CC6.7", "CC6.6"],
  "SEC-3": ["CC6.2", "CC6.3", "P6.1", "CC7.2"],
  "SEC-4": ["CC7.2", "CC7.3", "CC4.1"],
  "SEC-5": ["CC4.1", "CC2.3", "C1.1"],
  "API-1": ["P4.2", "P4.3", "C1.2"],
  "API-2": ["C1.1", "C1.2", "P4.2"],
  "API-3": ["C1.1", "CC7.2"],
  "API-4": ["CC6.1", "CC6.3", "CC7.2"],
  "FT-1": ["P4.1", "PI1.2"],
  "FT-2": ["P4.2", "P4.3", "C1.2"],
  "FT-3": ["CC6.1", "C1.1"],
  "PLAT-1": ["CC6.1", "CC6.6"],
  "PLAT-2": ["CC4.1", "CC7.1", "CC2.3"],
  "PLAT-3": ["A1.1", "A1.2", "CC8.1"],
};

/** The mapping as the evidence pack writes it: each commitment, its criteria by name, its code and tests. */
export function controlMapping() {
  return commitments.map((commitment) => ({
    id: commitment.id,
    summary: commitment.summary,
    criteria: (criteriaByCommitment[commitment.id] ?? []).map((id) => ({
      id,
      name: trustServicesCriteria[id],
    })),
    enforced_by: commitment.enforcedBy,
    proven_by: commitment.provenBy,
  }));
}
