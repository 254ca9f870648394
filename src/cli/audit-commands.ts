// `custodian audit ...`: verify the log (against its witnesses, or an export offline with only the public
// key), export it, prove one entry, print the public key. Thin: the work is in src/audit.
import { createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Config } from "../config/config.ts";
import { verifyAuditExport } from "../audit/audit-export.ts";
import type { ExportPage } from "../audit/audit-prover.ts";
import type { VerifyResult } from "../audit/audit-log.ts";
import type { InclusionProof } from "../audit/inclusion-proof.ts";
import { CommandError, runOperation } from "./admin-client.ts";
import type { Command } from "./command.ts";

function describe(result: VerifyResult, what: string): string {
  if (!result.ok) return `${what} BROKEN at entry ${result.seq}: ${result.problem}.`;
  const newest =
    result.newestCheckpoint > 0 ? `, the newest signed for ${result.newestCheckpoint} entries` : "";
  const restarts = (result.restarts ?? []).map(
    (restart) =>
      ` Restored from a backup at ${restart.at}: the log went back to ${restart.size} entries;` +
      ` ${restart.superseded} checkpoints signed before it for more entries are superseded.`,
  );
  return `${what} intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints${newest}.${restarts.join("")}`;
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

/** `audit verify`: against the witnesses through the platform, or an export offline with only the key. */
const verify: Command = {
  words: "audit verify",
  usage: "[--offline FILE --public-key KEY] [--json]",
  description:
    "check the audit log against its signed checkpoints (the witness file, the S3 bucket, the database's " +
    "copies), or with --offline an export with nothing but the log's public key; exit 1 and the first bad " +
    "entry or the missing range otherwise",
  options: { offline: { type: "string" }, "public-key": { type: "string" }, json: { type: "boolean" } },
  async run(context) {
    // Not destructured whole: reading `context.config` loads the configuration, which --offline never needs.
    const { flags, print } = context;
    const { offline } = flags;
    if (typeof offline === "string") {
      // Offline: no configuration, no master key, no database, no data directory (the context's config
      // is read only when asked for).
      const key = flags["public-key"];
      if (typeof key !== "string" || !key)
        throw new CommandError(
          "--public-key KEY is required with --offline (see `custodian audit public-key`).",
        );
      if (!existsSync(offline)) throw new CommandError(`No such file: ${offline}`);
      const lines = createInterface({ input: createReadStream(offline), crlfDelay: Infinity });
      const result = await verifyAuditExport(lines, publicKey(key));
      print(result, describe(result, "Audit log export"));
      return result.ok ? 0 : 1;
    }
    const result = (await runOperation(context.config, "verifyAudit", {})) as VerifyResult;
    print(result, describe(result, "Audit log"));
    return result.ok ? 0 : 1;
  },
};

const exportCommand: Command = {
  words: "audit export",
  usage: "[--out FILE]",
  description: "the whole log, its signed checkpoints and its public key (JSON lines)",
  options: { out: { type: "string" } },
  async run({ config, flags }) {
    await exportLog(config, typeof flags.out === "string" ? flags.out : undefined);
    return 0;
  },
};

const prove: Command = {
  words: "audit prove",
  arguments: "SEQ",
  usage: "",
  description: "an inclusion proof of entry SEQ against the newest checkpoint",
  options: {},
  async run({ config, arguments: given }) {
    const [seq] = given;
    if (!seq || given.length > 1 || !/^\d{1,15}$/.test(seq))
      throw new CommandError("Give the number of one audit entry: custodian audit prove SEQ");
    const proof = (await runOperation(config, "proveAuditEntry", { seq: Number(seq) })) as InclusionProof;
    console.log(JSON.stringify(proof, null, 2));
    return 0;
  },
};

const publicKeyCommand: Command = {
  words: "audit public-key",
  usage: "[--json]",
  description: "the log's public key (a C2SP signed-note verifier key)",
  options: { json: { type: "boolean" } },
  async run({ config, print }) {
    const result = (await runOperation(config, "auditPublicKey", {})) as { verifier_key: string };
    print(result, result.verifier_key);
    return 0;
  },
};

export const auditCommands: Command[] = [verify, exportCommand, prove, publicKeyCommand];
