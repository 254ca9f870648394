// The memory settings `custodian serve` runs under, applied by src/main.ts before anything else loads.
//
// Two settings that only take effect when a process starts, so main.ts re-executes itself with them
// (process.execve: the same process id, no wrapper process left behind):
//   - glibc's allocator with two arenas and freed blocks over 128 KiB given back to the system at once.
//     By default glibc opens up to eight arenas per core, one for each thread that allocates at the same
//     time (libuv's pool, V8's compiler threads, the database thread), and keeps what they freed.
//   - V8's young generation capped at 4 MB per semi-space (without it, the idle server's new space
//     measured 64 MB), in the server's thread and the database thread alike (a V8 flag applies to
//     every thread's heap). 1 MB saved another 10 MB but cost up to twice the CPU per request.
// Measured on the idle server (bench/footprint.ts) and on throughput (bench/gateway.ts): see
// docs/memory.md for the figures. An operator who sets MALLOC_ARENA_MAX gets the process as started.

/** What the re-executed process gets: its environment and Node's own flags, or null to run as it is. */
export interface ServeMemoryExec {
  env: Record<string, string>;
  execArgv: string[];
}

const ALLOCATOR = {
  MALLOC_ARENA_MAX: "2",
  GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072",
};
const SEMI_SPACE_FLAG = "--max-semi-space-size=4";

/**
 * The settings to re-execute `custodian serve` with, or null when there is nothing to do: another
 * command (short-lived ones gain nothing from a second start), a platform without glibc's allocator,
 * or MALLOC_ARENA_MAX already set (by the operator, or by this re-execution itself).
 */
export function serveMemoryExec(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  execArgv: readonly string[],
  platform: string,
): ServeMemoryExec | null {
  const command = argv.find((word) => !word.startsWith("-"));
  if (platform !== "linux" || command !== "serve" || env.MALLOC_ARENA_MAX !== undefined) return null;
  const defined = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  // GLIBC_TUNABLES the operator set is kept as it is: theirs is the considered choice.
  const tunables: Record<string, string> =
    env.GLIBC_TUNABLES === undefined ? { GLIBC_TUNABLES: ALLOCATOR.GLIBC_TUNABLES } : {};
  // Likewise a semi-space size given on the command line or in NODE_OPTIONS.
  const sized = [...execArgv, env.NODE_OPTIONS ?? ""].some((flag) => flag.includes("semi-space-size"));
  return {
    env: { ...defined, MALLOC_ARENA_MAX: ALLOCATOR.MALLOC_ARENA_MAX, ...tunables },
    execArgv: sized ? [...execArgv] : [...execArgv, SEMI_SPACE_FLAG],
  };
}
