// PLAT-2: every live trust probe, one file per group, and the probe of the report itself: every
// commitment of the mission has at least one probe, and its text ships with the code.
import { commitmentTexts } from "../../privacy/commitment-texts.ts";
import { commitments } from "../../privacy/commitments.ts";
import { expectThat, type Probe } from "../probe.ts";
import { provisioningProbe, rolesProbe, staffAccessProbe } from "./access-probes.ts";
import { auditProbe } from "./audit-probes.ts";
import { canaryProbe } from "./canary-probes.ts";
import { exportProbe, fineTuningFileProbe, trainingInputProbe } from "./data-probes.ts";
import { deletionProbe, retentionProbe } from "./deletion-probes.ts";
import { adminWalkProbe } from "./admin-walk-probe.ts";
import { conversationIsolationProbe, modelIsolationProbe } from "./isolation-probes.ts";
import { apiProbe, hipaaProbe, nodesProbe } from "./platform-probes.ts";
import { transportProbe } from "./transport-probes.ts";

const checkedProbes: readonly Probe[] = [
  transportProbe,
  auditProbe,
  canaryProbe,
  deletionProbe,
  retentionProbe,
  modelIsolationProbe,
  conversationIsolationProbe,
  adminWalkProbe,
  staffAccessProbe,
  rolesProbe,
  provisioningProbe,
  trainingInputProbe,
  exportProbe,
  fineTuningFileProbe,
  hipaaProbe,
  apiProbe,
  nodesProbe,
];

/** The report's own probe: every commitment is listed with its text and checked by some probe. */
export function reportProbe(probes: readonly Probe[]): Probe {
  return {
    name: "platform.trust-report",
    commitments: ["PLAT-2"],
    description: "every commitment of the mission is listed with its text and has a live probe",
    source: "src/trust/probes/index.ts",
    remedy:
      "A commitment without a probe is a gap in this version of Custodian: report it to the maintainers.",
    async run() {
      const report = commitments;
      const withoutText = report.filter((commitment) => !commitmentTexts[commitment.id]);
      expectThat(withoutText.length === 0, `PLAT-2: ${withoutText.length} commitments lack their text`);
      // This probe covers PLAT-2 itself: the report lists every commitment with its live status.
      const covered = new Set(["PLAT-2", ...probes.flatMap((probe) => probe.commitments)]);
      const unprobed = report
        .filter((commitment) => !covered.has(commitment.id))
        .map((commitment) => commitment.id);
      expectThat(unprobed.length === 0, `PLAT-2: commitments without a live probe: ${unprobed.join(", ")}`);
      return [
        `${report.length} commitments listed with their text`,
        `${probes.length} probes cover all of them`,
      ];
    },
  };
}

/** Every probe, in the order a round runs them. */
export const allProbes: readonly Probe[] = [...checkedProbes, reportProbe(checkedProbes)];
