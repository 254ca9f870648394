// `custodian serve` on the embedded database starts PostgreSQL before the rest of the program loads.
//
// The restart profile of issue 21's third round: 1.2 s loading modules, then 1.4 s with the main thread
// idle while the database thread loaded PGlite and started PostgreSQL on the data directory. src/main.ts calls
// `startEarlyServe` first, with only the configuration and the database's own modules loaded: the
// database thread then starts while the main thread loads the rest, and openDatabase takes it over.
//
// It takes the data directory's lock first, as `startServer` would (which then takes it over from here),
// and does nothing where serving would not open the embedded database itself, or not at once: a
// PostgreSQL server, several processes (refused), a configuration error (reported by the command), a
// lock another process holds (the command waits for a CLI run, or refuses). An early start that nothing
// takes over does not hold the process open.
import { loadConfig } from "../config/config.ts";
import { pgliteDirectory, startEarly } from "../db/embedded-database.ts";
import { acquireLock } from "./data-dir-lock.ts";

let held: { dataDir: string; release: () => void } | null = null;

export function startEarlyServe(): void {
  try {
    const config = loadConfig();
    if (config.databaseUrl !== null || config.httpProcesses > 1) return;
    const lock = acquireLock(config.dataDir, "server");
    if (!("release" in lock)) return;
    held = { dataDir: config.dataDir, release: lock.release };
    startEarly({ pgliteDir: pgliteDirectory(config.dataDir) });
  } catch {
    // The command meets the same error and reports it.
  }
}

/** The data directory's lock `startEarlyServe` took for `dataDir`, handed over once; null when there is none. */
export function takeEarlyLock(dataDir: string): (() => void) | null {
  const lock = held;
  held = null;
  if (lock && lock.dataDir === dataDir) return lock.release;
  lock?.release();
  return null;
}
