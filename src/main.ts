#!/usr/bin/env node
// The `custodian` entry point: turns on Node's compile cache, starts the embedded database early for
// `serve`, then runs the command line (cli/main.ts).
//
// The cache keeps V8's compiled code of every module between runs, so a start parses and compiles
// little: measured on PostgreSQL, about 0.9 s less CPU to ready and 18 MB less resident memory. It
// lives in the user's own cache directory (NODE_COMPILE_CACHE overrides it), not in the shared
// temporary directory, where another local user could plant entries. Without it everything works, only
// more slowly: a cache that cannot be written is skipped.
import { enableCompileCache } from "node:module";
import { homedir } from "node:os";
import path from "node:path";

function cacheDirectory(): string | undefined {
  try {
    return path.join(homedir(), ".cache", "custodian", "compile");
  } catch {
    return undefined; // a user without a home: no cache (not the shared temporary directory)
  }
}

const compileCache = process.env.NODE_COMPILE_CACHE ?? cacheDirectory();
// The call covers this thread only. Worker threads (the embedded database's, the local models') and
// child processes take the cache from the environment: the database thread loads PGlite's JavaScript on
// the way to its first answer, which every start waits for.
if (compileCache && enableCompileCache(compileCache).directory) process.env.NODE_COMPILE_CACHE = compileCache;
// `custodian serve` (it takes no flags) starts the embedded database while the rest loads (early-serve.ts).
if (process.argv.length === 3 && process.argv[2] === "serve") {
  const { startEarlyServe } = await import("./platform/early-serve.ts");
  startEarlyServe();
}
await import("./cli/main.ts");
