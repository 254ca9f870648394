// PGlite's two WebAssembly programs, compiled. Its own module, light to load: the database thread
// (pglite-worker.ts) starts a compile here before it loads anything else.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

export interface PGliteModules {
  pglite: WebAssembly.Module;
  initdb: WebAssembly.Module;
}

const pgliteDist = () => path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));

/** Compiles both programs anew (V8 compiles each function when first called). */
export async function compilePGlite(): Promise<PGliteModules> {
  const dist = pgliteDist();
  const compile = async (file: string) => WebAssembly.compile(await readFile(path.join(dist, file)));
  const [pglite, initdb] = await Promise.all([compile("pglite.wasm"), compile("initdb.wasm")]);
  return { pglite, initdb };
}

let compiled: Promise<PGliteModules> | null = null;

/**
 * The programs compiled once per process and shared with each database thread (a compiled module
 * crosses threads without being compiled again). Each thread is a new JavaScript realm, where PGlite
 * would otherwise compile them anew: seconds of CPU for every database opened.
 */
export function sharedPGlite(): Promise<PGliteModules> {
  compiled ??= compilePGlite();
  return compiled;
}
