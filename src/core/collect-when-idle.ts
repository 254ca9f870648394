// Gives memory back once a thread goes quiet. Under load V8 grows a thread's young generation (up to
// 64 MB on the serving thread, 32 MB on the embedded database's) and keeps it until its next collection,
// which an idle server may not run for hours. One full collection when the thread goes from busy to idle
// shrinks it back to 1 MB: on an idle `custodian serve`, 204 → 150 MB resident on PostgreSQL and
// 409 → 335 MB on PGlite (both threads), for about 40 ms of one core (bench/RESULTS.md, fifth round).
// A permanently small young generation (`--max-semi-space-size`) would save the same but costs CPU on
// every request under load (docs/memory.md); this costs nothing while the thread is busy.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = (options: { type: "major" }) => void;

/**
 * V8's full collection, without starting Node with --expose-gc: the flag is set just long enough to
 * create one context that has `gc`, then cleared, so no other context gets it.
 */
export function fullCollection(): () => void {
  const collect = (globalThis as { gc?: Collect }).gc ?? exposedGc();
  return () => collect({ type: "major" });
}

function exposedGc(): Collect {
  setFlagsFromString("--expose-gc");
  try {
    return runInNewContext("gc") as Collect;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
}

export interface IdleCollectionOptions {
  /** How often the thread's CPU time is read; a window below `idleShare` of it counts as idle. */
  windowMs?: number;
  /** The share of one core a thread may use in a window and still count as idle. */
  idleShare?: number;
  /** The thread's CPU time in microseconds (tests give their own). */
  cpuMicros?: () => number;
  collect?: () => void;
}

const threadCpuMicros = () => {
  const { user, system } = process.threadCpuUsage();
  return user + system;
};

/**
 * Collects once each time this thread goes from busy to idle (start-up counts as busy). The timer does
 * not hold the process open; `stop` ends it.
 */
export function collectWhenIdle(options: IdleCollectionOptions = {}): { stop(): void } {
  const windowMs = options.windowMs ?? 5_000;
  const idleShare = options.idleShare ?? 0.05;
  const cpuMicros = options.cpuMicros ?? threadCpuMicros;
  // Taken at the first collection, not at start: V8's flags belong to the whole process, and V8 checks
  // them against each entry of the compile cache (main.ts), so a flag changed while another thread is
  // still loading the program would cost that thread its cached code.
  let gc: (() => void) | undefined;
  const collect =
    options.collect ??
    (() => {
      gc ??= fullCollection();
      gc();
    });
  let busySinceCollection = true;
  let last = cpuMicros();
  const timer = setInterval(() => {
    const idle = cpuMicros() - last < windowMs * 1000 * idleShare;
    if (!idle) busySinceCollection = true;
    else if (busySinceCollection) {
      busySinceCollection = false;
      try {
        collect();
      } catch {
        // Memory given back later, never a server stopped for it: another thread may have cleared the
        // flag between this one setting it and creating its context. The next quiet spell tries again.
      }
    }
    // Read after the collection, so that its own CPU time does not count as the next window's work.
    last = cpuMicros();
  }, windowMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
