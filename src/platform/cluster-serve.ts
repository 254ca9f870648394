// `custodian serve` from several processes (CUSTODIAN_HTTP_PROCESSES, PostgreSQL only): node:cluster's
// primary forks that many serving processes, which share the listening port, and stops them together.
//
// What the processes share is the database, which already coordinates several nodes: migrations take
// an advisory lock, periodic tasks (purges, erasure, backups) run under `pg_try_advisory_lock` so one
// process runs each turn, fine-tuning jobs and batches are claimed with `FOR UPDATE SKIP LOCKED`, and
// rate-limit windows are counted in one table (or Redis). What they must not race on is the data
// directory: the first process starts alone (migrations, the first start's organisation and key in
// bootstrap.json, the generated TLS certificate) and is the only one to open the admin socket for the
// CLI; the others start once it listens. One process ending unexpectedly stops the rest, so the
// supervisor (systemd, Kubernetes) restarts the whole server rather than running it short-handed.
import cluster, { type Worker } from "node:cluster";
import type { Config } from "../config/config.ts";
import { ConfigError } from "../config/config-error.ts";

/** What this process does: run the cluster (the primary), or serve, with or without the admin socket. */
export type ServeRole = { primary: true } | { primary: false; adminSocket: boolean };

/** The message the primary sends each serving process to stop it as SIGTERM would. */
const stopMessage = "custodian:stop";

/** Refuses more than one process on the embedded database, which one process alone may open. */
export function checkHttpProcesses(config: Pick<Config, "httpProcesses" | "databaseUrl">): void {
  if (config.httpProcesses > 1 && config.databaseUrl === null) {
    throw new ConfigError(
      "CUSTODIAN_HTTP_PROCESSES",
      "more than 1 needs CUSTODIAN_DATABASE_URL (PostgreSQL): the embedded database (PGlite) is opened " +
        "by one process only",
    );
  }
}

/**
 * Where `custodian serve` calls in first. With one process (the default) it returns at once and this
 * process serves; with more, the primary starts the serving processes and returns `{ primary: true }`,
 * and each serving process learns whether it keeps the admin socket.
 */
export function serveRole(config: Pick<Config, "httpProcesses" | "databaseUrl">): ServeRole {
  if (cluster.isWorker) {
    // The primary stops a process by message; a SIGTERM sent to the whole process group reaches it
    // too, and the second of the two must not end it before its orderly close (the serve command's
    // own handler, which runs once).
    process.on("SIGTERM", () => undefined);
    process.on("SIGINT", () => undefined);
    process.on("message", (message) => {
      if (message === stopMessage) process.emit("SIGTERM", "SIGTERM");
    });
    return { primary: false, adminSocket: cluster.worker?.id === 1 };
  }
  if (config.httpProcesses <= 1) return { primary: false, adminSocket: true };
  checkHttpProcesses(config);
  void runPrimary(config.httpProcesses);
  return { primary: true };
}

/** Resolves once `worker` listens on a TCP port (the HTTP server), rejects if it exits first. */
function listening(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onListening = (address: { addressType: number | string }) => {
      // -1 (or "udp"...) is not TCP: only the HTTP listener counts.
      if (address.addressType !== 4 && address.addressType !== 6) return;
      worker.off("exit", onExit);
      worker.off("listening", onListening);
      resolve();
    };
    const onExit = (code: number | null) => {
      worker.off("listening", onListening);
      reject(new Error(`the first serving process ended before it listened (exit code ${code})`));
    };
    worker.on("listening", onListening);
    worker.once("exit", onExit);
  });
}

async function runPrimary(processes: number): Promise<void> {
  const workers = new Set<Worker>();
  let stopping = false;
  let exitCode = 0;
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    if (workers.size === 0) process.exit(exitCode);
    for (const worker of workers) if (worker.isConnected()) worker.send(stopMessage);
  };
  const fork = (): Worker => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.once("exit", (code, signal) => {
      workers.delete(worker);
      if (!stopping) {
        console.error(
          `custodian: serving process ${worker.process.pid} ended (${signal ?? `exit code ${code}`}); stopping the others`,
        );
        stopAll(1);
      } else if (code !== 0) exitCode = exitCode || 1;
      if (workers.size === 0) process.exit(exitCode);
    });
    return worker;
  };
  process.on("SIGTERM", () => stopAll(0));
  process.on("SIGINT", () => stopAll(0));
  try {
    await listening(fork());
  } catch (error) {
    console.error(`custodian: ${(error as Error).message}`);
    return;
  }
  for (let index = 1; index < processes && !stopping; index += 1) fork();
}
