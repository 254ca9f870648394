// The backup benchmark (issue 23): `custodian backup create` and `custodian backup restore` (sealed,
// src/backup/) against the usual tools on the same data: `pg_dump -Fc | gzip` with a `tar -czf` of the
// blob directory (the files live there, not in the database), and `gunzip | pg_restore` with `tar -xzf`.
// One data set (10,000 conversations of 4 messages and 1 GiB of files, scaled by BENCH_BACKUP_SCALE) is
// written through the platform's services on a fresh PostgreSQL database that the run creates and drops.
// Throughput is the data's size (the source database's pg_database_size plus the blob directory's bytes)
// over each step's wall time, so the ratio of two throughputs is the inverse ratio of their times.
// Peak memory is each process's maximum RSS from /usr/bin/time. Every step runs as child processes.
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { buildDataSet, custodianEnvironment, directoryBytes, type DataSet } from "./backup-data.ts";
import { timedPipeline, type Timed } from "./backup-timing.ts";
import { query } from "./backup-query.ts";
import { createBenchDatabase, type BenchDatabase } from "./bench-database.ts";
import { readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("backup");
const mainScript = path.resolve(import.meta.dirname, "../src/main.ts");
const MB = 1024 * 1024;
const FULL_CONVERSATIONS = 10_000;
const FULL_FILE_BYTES = 1024 * MB;
const FILE_SIZE = 8 * MB;
/** Custodian's throughput must be at least this share of the usual tools' (issue 23). */
const TARGET_RATIO = 0.5;

interface Step {
  step: string;
  seconds: number;
  megabytesPerSecond: number;
  /** Peak RSS of each process of the step, MB. */
  peakMegabytes: number[];
  /** Size of what the step wrote (archive, dump), MB; null for restores. */
  outputMegabytes: number | null;
}

function sizeOf(scale: number): { conversations: number; files: number; fileBytes: number } {
  const total = Math.round(FULL_FILE_BYTES * scale);
  const fileBytes = Math.max(64 * 1024, Math.min(FILE_SIZE, Math.round(total / 8)));
  return {
    conversations: Math.max(20, Math.round(FULL_CONVERSATIONS * scale)),
    files: Math.max(1, Math.round(total / fileBytes)),
    fileBytes,
  };
}

function stepOf(name: string, timed: Timed, dataBytes: number, output: string | null): Step {
  return {
    step: name,
    seconds: round(timed.seconds, 2),
    megabytesPerSecond: round(dataBytes / MB / timed.seconds, 1),
    peakMegabytes: timed.peakMegabytes.map((peak) => round(peak, 1)),
    outputMegabytes: output === null ? null : round(statSync(output).size / MB, 1),
  };
}

/** Two steps run one after the other, as one step (the usual tools need two for database and files). */
function both(name: string, first: Step, second: Step, dataBytes: number): Step {
  const seconds = first.seconds + second.seconds;
  return {
    step: name,
    seconds: round(seconds, 2),
    megabytesPerSecond: round(dataBytes / MB / seconds, 1),
    peakMegabytes: [Math.max(...first.peakMegabytes, ...second.peakMegabytes)],
    outputMegabytes:
      first.outputMegabytes === null || second.outputMegabytes === null
        ? null
        : round(first.outputMegabytes + second.outputMegabytes, 1),
  };
}

/** The restored database holds what the source did: the same conversations, messages and files. */
async function checkRestored(url: string, data: DataSet, blobDir: string, label: string): Promise<void> {
  const rows = await query<{ conversations: string; messages: string; files: string }>(
    url,
    `select (select count(*) from conversations)::text as conversations,
            (select count(*) from messages)::text as messages,
            (select count(*) from files where stored)::text as files`,
  );
  const found = rows[0]!;
  const blobs = directoryBytes(blobDir);
  if (
    Number(found.conversations) !== data.conversations ||
    Number(found.messages) !== data.messages ||
    Number(found.files) !== data.files ||
    blobs !== data.blobBytes
  )
    throw new Error(
      `${label} restored ${found.conversations} conversations, ${found.messages} messages, ${found.files} ` +
        `files and ${blobs} blob bytes; expected ${data.conversations}, ${data.messages}, ${data.files}, ${data.blobBytes}`,
    );
}

async function measure(directory: string, databases: BenchDatabase[]): Promise<Record<string, unknown>> {
  const scale = readNumber("BENCH_BACKUP_SCALE", 1, (value) => value > 0 && value <= 4, "a number in (0, 4]");
  const fresh = async (): Promise<BenchDatabase> => {
    const database = await createBenchDatabase();
    if (!database) throw new Error("the PostgreSQL server stopped answering");
    databases.push(database);
    return database;
  };
  const source = await fresh();
  const sourceDir = path.join(directory, "source");
  const size = sizeOf(scale);
  progress(
    `scale ${scale}: ${size.conversations} conversations, ${size.files} files of ${size.fileBytes} bytes ` +
      `on ${source.server}`,
  );
  const built = performance.now();
  const data = await buildDataSet(sourceDir, source.url, size, progress);
  progress(`data set written in ${round((performance.now() - built) / 1000, 1)} s`);
  const dataBytes = data.databaseBytes + data.blobBytes;
  const loadBefore = loadavg();
  const node = process.execPath;

  const archive = path.join(directory, "backup.cbk");
  const create = stepOf(
    "custodian backup create",
    await timedPipeline([[node, mainScript, "backup", "create", "--out", archive]], {
      env: custodianEnvironment(sourceDir, source.url),
    }),
    dataBytes,
    archive,
  );
  progress(`custodian backup create: ${create.seconds} s`);
  // Not compared with anything: what reading and checking the whole archive costs alone (a restore does
  // it in the same pass as it loads).
  const verify = stepOf(
    "custodian backup verify",
    await timedPipeline([[node, mainScript, "backup", "verify", archive]], {
      env: custodianEnvironment(sourceDir, source.url),
    }),
    dataBytes,
    null,
  );
  progress(`custodian backup verify: ${verify.seconds} s`);
  const restoreTarget = await fresh();
  const restoreDir = path.join(directory, "restored");
  const restore = stepOf(
    "custodian backup restore",
    await timedPipeline([[node, mainScript, "backup", "restore", "--from", archive]], {
      // Another machine's data directory, with the installation's master key and key ledger brought along.
      env: custodianEnvironment(restoreDir, restoreTarget.url, {
        CUSTODIAN_MASTER_KEY_FILE: path.join(sourceDir, "master.key"),
        CUSTODIAN_KEY_LEDGER_DIR: path.join(sourceDir, "key-ledger"),
      }),
    }),
    dataBytes,
    null,
  );
  progress(`custodian backup restore: ${restore.seconds} s`);
  await checkRestored(restoreTarget.url, data, path.join(restoreDir, "blobs"), "custodian backup restore");

  const dump = path.join(directory, "database.dump.gz");
  const pgDump = stepOf(
    "pg_dump -Fc | gzip",
    await timedPipeline([["pg_dump", "-Fc", "-d", source.url], ["gzip"]], { output: dump }),
    dataBytes,
    dump,
  );
  const tarball = path.join(directory, "blobs.tar.gz");
  const tarCreate = stepOf(
    "tar -czf blobs",
    await timedPipeline([["tar", "-czf", tarball, "-C", sourceDir, "blobs"]]),
    dataBytes,
    tarball,
  );
  // The blobs are sealed (random to gzip): a plain tar is the fairer copy of them, so it is timed too.
  const plainTarball = path.join(directory, "blobs.tar");
  const plainTarCreate = stepOf(
    "tar -cf blobs (no gzip)",
    await timedPipeline([["tar", "-cf", plainTarball, "-C", sourceDir, "blobs"]]),
    dataBytes,
    plainTarball,
  );
  progress(
    `pg_dump | gzip: ${pgDump.seconds} s, tar -czf: ${tarCreate.seconds} s, tar -cf: ${plainTarCreate.seconds} s`,
  );
  const pgTarget = await fresh();
  const pgRestore = stepOf(
    "gunzip | pg_restore",
    await timedPipeline([
      ["gunzip", "-c", dump],
      ["pg_restore", "--no-owner", "--exit-on-error", "-d", pgTarget.url],
    ]),
    dataBytes,
    null,
  );
  const untarDir = path.join(directory, "untarred");
  mkdirSync(untarDir);
  const tarExtract = stepOf(
    "tar -xzf blobs",
    await timedPipeline([["tar", "-xzf", tarball, "-C", untarDir]]),
    dataBytes,
    null,
  );
  const plainUntarDir = path.join(directory, "untarred-plain");
  mkdirSync(plainUntarDir);
  const plainTarExtract = stepOf(
    "tar -xf blobs (no gzip)",
    await timedPipeline([["tar", "-xf", plainTarball, "-C", plainUntarDir]]),
    dataBytes,
    null,
  );
  progress(
    `gunzip | pg_restore: ${pgRestore.seconds} s, tar -xzf: ${tarExtract.seconds} s, tar -xf: ${plainTarExtract.seconds} s`,
  );
  await checkRestored(pgTarget.url, data, path.join(untarDir, "blobs"), "pg_restore and tar");
  if (directoryBytes(path.join(plainUntarDir, "blobs")) !== data.blobBytes)
    throw new Error("tar -xf restored another number of blob bytes than the source held");
  const loadAfter = loadavg();

  const usualBackup = both("pg_dump | gzip, then tar -czf", pgDump, tarCreate, dataBytes);
  const usualRestore = both("pg_restore, then tar -xzf", pgRestore, tarExtract, dataBytes);
  const plainBackup = both("pg_dump | gzip, then tar -cf", pgDump, plainTarCreate, dataBytes);
  const plainRestore = both("pg_restore, then tar -xf", pgRestore, plainTarExtract, dataBytes);
  const steps = [
    create,
    pgDump,
    tarCreate,
    usualBackup,
    plainTarCreate,
    plainBackup,
    verify,
    restore,
    pgRestore,
    tarExtract,
    usualRestore,
    plainTarExtract,
    plainRestore,
  ];
  const ratios = {
    create: round(usualBackup.seconds / create.seconds, 2),
    restore: round(usualRestore.seconds / restore.seconds, 2),
    createDatabaseOnly: round(pgDump.seconds / create.seconds, 2),
    restoreDatabaseOnly: round(pgRestore.seconds / restore.seconds, 2),
    createPlainTar: round(plainBackup.seconds / create.seconds, 2),
    restorePlainTar: round(plainRestore.seconds / restore.seconds, 2),
  };
  printTable(
    `Backup: ${data.conversations} conversations (${data.messages} messages), ${data.files} files; ` +
      `${round(dataBytes / MB, 1)} MB of data (database ${round(data.databaseBytes / MB, 1)} MB + blobs ` +
      `${round(data.blobBytes / MB, 1)} MB)`,
    ["step", "seconds", "MB/s", "peak RSS MB", "output MB"],
    steps.map((step) => [
      step.step,
      String(step.seconds),
      String(step.megabytesPerSecond),
      step.peakMegabytes.join(" + "),
      step.outputMegabytes === null ? "" : String(step.outputMegabytes),
    ]),
  );
  console.log(
    `\nRatio to the usual tools (target ≥ ${TARGET_RATIO}x): create ${ratios.create}x, restore ` +
      `${ratios.restore}x; with a plain tar of the sealed blobs: create ${ratios.createPlainTar}x, restore ` +
      `${ratios.restorePlainTar}x; against the database tool alone: create ${ratios.createDatabaseOnly}x, ` +
      `restore ${ratios.restoreDatabaseOnly}x. Load average ${loadBefore.map((v) => round(v, 2)).join(" ")} ` +
      `before the timed steps, ${loadAfter.map((v) => round(v, 2)).join(" ")} after.`,
  );
  return {
    benchmark: "backup",
    date: new Date().toISOString(),
    scale,
    data: { ...data, dataBytes },
    steps,
    ratios,
    target: TARGET_RATIO,
    meetsTarget: ratios.create >= TARGET_RATIO && ratios.restore >= TARGET_RATIO,
    loadAverage: { before: loadBefore, after: loadAfter },
  };
}

export async function run(): Promise<number> {
  const probe = await createBenchDatabase();
  if (!probe) {
    progress(
      "no PostgreSQL server answers (CUSTODIAN_BENCH_DATABASE_URL or 127.0.0.1:5432): nothing to compare",
    );
    return 1;
  }
  await probe.drop();
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-bench-backup-"));
  const databases: BenchDatabase[] = [];
  try {
    console.log(JSON.stringify(await measure(directory, databases)));
    return 0;
  } finally {
    for (const database of databases) await database.drop().catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
  }
}
