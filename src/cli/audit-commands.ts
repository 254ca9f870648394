// `custodian audit ...`: verify the log (against its witnesses, or an export offline with only the public
// key), export it, prove one entry, print the public key. Thin: the work is in src/audit.
import { createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import type { Config } from "../config/config.ts";
import { verifyAuditExport } from "../audit/audit-export.ts";
import type { ExportPage } from "../audit/audit-prover.ts";
import type { VerifyResult } from "../audit/audit-log.ts";
import type { InclusionProof } from "../audit/inclusion-proof.ts";
import { CommandError, runOperation } from "./admin-client.ts";

export const auditUsage = `  audit verify [--json]                   check the audit log against its signed checkpoints (the witness
                                          file, the S3 bucket, the database's copies); exit 1 and the
                                          first bad entry or the missing range otherwise
  audit verify --offline FILE --public-key KEY [--json]
                                          verify an export with nothing but the log's public key
  audit export [--out FILE]               the whole log, its signed checkpoints and its public key (JSON lines)
  audit prove SEQ                         an inclusion proof of entry SEQ against the newest checkpoint
  audit public-key                        the log's public key (a C2SP signed-note verifier key)`;

function describe(result: VerifyResult, what: string): string {
  if (!result.ok) return `${what} BROKEN at entry ${result.seq}: ${result.problem}.`;
  const newest =
    result.newestCheckpoint > 0 ? `, the newest signed for ${result.newestCheckpoint} entries` : "";
  return `${what} intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints${newest}.`;
}

/** A verifier key given on the command line, or the name of a file that holds one. */
function publicKey(value: string): string {
  return existsSync(value) ? readFileSync(value, "utf8").trim() : value;
}

async function exportLog(config: Readonly<Config>, out: string | undefined): Promise<void> {
  const output = out ? createWriteStream(out, { mode: 0o600, flags: "w" }) : process.stdout;
  const write = async (text: string) => {
    if (!output.write(text)) await once(output, "drain");
  };
  let page = (await runOperation(config, "exportAuditPage", {})) as ExportPage;
  let entries = 0;
  for (;;) {
    for (const line of page.lines) if (line.type === "entry") entries += 1;
    await write(page.lines.map((line) => JSON.stringify(line) + "\n").join(""));
    if (page.next === null) break;
    page = (await runOperation(config, "exportAuditPage", {
      treeSize: page.treeSize,
      afterSeq: page.next,
    })) as ExportPage;
  }
  if (out) {
    output.end();
    await once(output, "finish");
    console.log(`Wrote ${entries} audit entries (a snapshot of ${page.treeSize}) to ${out}.`);
  }
}

export async function auditCommand(argv: string[], loadConfig: () => Readonly<Config>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      out: { type: "string" },
      offline: { type: "string" },
      "public-key": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals.join(" ");
  const print = (value: unknown, text: string) => console.log(values.json ? JSON.stringify(value) : text);
  if (values.help || command === "") {
    console.log(`Usage: custodian audit <command> [options]\n\n${auditUsage}`);
    return 0;
  }
  if (command === "verify" && values.offline !== undefined) {
    // Offline: no configuration, no master key, no database, no data directory.
    const key = values["public-key"];
    if (!key)
      throw new CommandError(
        "--public-key KEY is required with --offline (see `custodian audit public-key`).",
      );
    if (!existsSync(values.offline)) throw new CommandError(`No such file: ${values.offline}`);
    const lines = createInterface({ input: createReadStream(values.offline), crlfDelay: Infinity });
    const result = await verifyAuditExport(lines, publicKey(key));
    print(result, describe(result, "Audit log export"));
    return result.ok ? 0 : 1;
  }
  const config = loadConfig();
  switch (positionals[0]) {
    case "verify": {
      if (positionals.length > 1) break;
      const result = (await runOperation(config, "verifyAudit", {})) as VerifyResult;
      print(result, describe(result, "Audit log"));
      return result.ok ? 0 : 1;
    }
    case "export":
      if (positionals.length > 1) break;
      await exportLog(config, values.out);
      return 0;
    case "prove": {
      const seq = positionals[1];
      if (!seq || positionals.length > 2 || !/^\d{1,15}$/.test(seq))
        throw new CommandError("Give the number of one audit entry: custodian audit prove SEQ");
      const proof = (await runOperation(config, "proveAuditEntry", { seq })) as InclusionProof;
      console.log(JSON.stringify(proof, null, 2));
      return 0;
    }
    case "public-key": {
      if (positionals.length > 1) break;
      const result = (await runOperation(config, "auditPublicKey", {})) as { verifier_key: string };
      print(result, result.verifier_key);
      return 0;
    }
  }
  throw new CommandError(`Unknown command 'audit ${command}'.\n\n${auditUsage}`);
}
