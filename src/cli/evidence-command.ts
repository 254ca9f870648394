// `custodian evidence export --org ID --out FILE`: the organisation's SOC 2 evidence pack (SEC-5), made by
// the `exportEvidence` operation (on the running server when there is one) and written as one tar.gz.
import { writeFileSync } from "node:fs";
import { CommandError, runOperation } from "./admin-client.ts";
import type { Command } from "./command.ts";

const evidenceExport: Command = {
  words: "evidence export",
  usage: "--org ID --out FILE [--json]",
  description:
    "the organisation's SOC 2 evidence pack as one tar.gz: commitments mapped to the Trust Services " +
    "Criteria, probe history, audit log with checkpoints and public key, configuration without secrets, " +
    "access transparency, key rotation history",
  options: { org: { type: "string" }, out: { type: "string" }, json: { type: "boolean" } },
  async run({ config, flags, print }) {
    const { org, out } = flags;
    if (typeof org !== "string" || org === "") throw new CommandError("Name the organisation: --org ID");
    if (typeof out !== "string" || out === "")
      throw new CommandError("Name the archive to write: --out FILE");
    const result = (await runOperation(config, "exportEvidence", { organization: org })) as {
      sections: string[];
      bytes: number;
      archive: string;
    };
    writeFileSync(out, Buffer.from(result.archive, "base64"), { mode: 0o600 });
    print(
      { file: out, sections: result.sections, bytes: result.bytes },
      `Wrote the evidence pack (${result.sections.length} files, ${result.bytes} bytes) to ${out}.`,
    );
    return 0;
  },
};

export const evidenceCommands: Command[] = [evidenceExport];
