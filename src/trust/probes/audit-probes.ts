// SEC-4: the audit log is tamper-evident, checked live: the current tree is signed into a checkpoint
// (published to the witness file outside the database), then the whole log is verified against every
// signed checkpoint, the newest outside one by a consistency proof.
import { expectThat, type Probe } from "../probe.ts";

export const auditProbe: Probe = {
  name: "audit.verified",
  commitments: ["SEC-4"],
  description: "the audit log verified against its newest signed checkpoint kept outside the database",
  source: "src/trust/probes/audit-probes.ts",
  remedy:
    "A log that does not verify has been changed or lost entries: keep the data directory and the witness " +
    "files as they are, run `custodian audit verify`, and compare with an exported copy (`custodian audit export`).",
  async run({ audit }) {
    const checkpoint = await audit.checkpoint();
    const result = await audit.verify();
    if (!result.ok)
      expectThat(false, `SEC-4: the audit log does not verify at entry ${result.seq} (${result.problem})`);
    expectThat(result.checkpoints > 0, "SEC-4: no signed checkpoint outside the database to verify against");
    return [
      `signed checkpoint of ${checkpoint?.size ?? result.newestCheckpoint} entries published`,
      `${result.entries} entries verified against ${result.checkpoints} signed checkpoints`,
    ];
  },
};
