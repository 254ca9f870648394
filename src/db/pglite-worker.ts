// The embedded database's own thread. PGlite is PostgreSQL compiled to WebAssembly: every query, every
// page it writes, runs as JavaScript-called WASM. In the server's thread that work blocked request
// handling (a batch of retention records held the event loop for milliseconds); here it runs beside
// it, on another core when there is one.
//
// The thread runs Kysely's own PGlite driver, so transactions behave exactly as they did in-process;
// `pglite-thread.ts` forwards the driver's calls here as messages and gets results back.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import type { PGlite, PGliteOptions } from "@electric-sql/pglite";
import type * as Kysely from "kysely";
import { collectWhenIdle } from "../core/collect-when-idle.ts";
import type { DatabaseOrigin } from "./pglite-template.ts";
import type { ThreadReply, ThreadRequest, WorkerSettings } from "./pglite-thread.ts";
import { compilePGlite } from "./pglite-wasm.ts";

const int8 = 20;
const bytea = 17;

const port = parentPort;
if (!port) throw new Error("pglite-worker.ts runs as a worker thread, from pglite-thread.ts");
const settings = workerData as WorkerSettings;
// Given compiled, or compiled here while the modules below load (pglite-thread.ts, `compileInThread`).
const compiling = settings.modules ? Promise.resolve(settings.modules) : compilePGlite();

/**
 * Kysely's PGlite driver and CompiledQuery, from their own files: the package's index loads all of
 * Kysely, about 300 modules and 0.15 s of this thread on the way to its first answer, which every
 * start waits for. Kysely's version is pinned (package.json), so these files stay where they are; a
 * missing one fails every start, and every test.
 */
async function kyselyParts(): Promise<Pick<typeof Kysely, "CompiledQuery" | "PGliteDriver">> {
  const dist = path.dirname(createRequire(import.meta.url).resolve("kysely"));
  const load = async (file: string) =>
    (await import(pathToFileURL(path.join(dist, file)).href)) as typeof Kysely;
  const [driver, query] = await Promise.all([
    load("dialect/pglite/pglite-driver.js"),
    load("query-compiler/compiled-query.js"),
  ]);
  return { PGliteDriver: driver.PGliteDriver, CompiledQuery: query.CompiledQuery };
}

const [{ CompiledQuery, PGliteDriver }, { createPGlite, saveTemplate }] = await Promise.all([
  kyselyParts(),
  import("./pglite-template.ts"),
]);

const options: PGliteOptions = {
  // The same JavaScript types as node-postgres gives: numbers for int8, bytes for bytea. Bytes get
  // an exact-size buffer of their own: a message copies a typed array's whole backing store, and a
  // pooled Buffer's is 8 KiB.
  parsers: { [int8]: Number, [bytea]: (value: string) => new Uint8Array(Buffer.from(value.slice(2), "hex")) },
  postgresqlconf: settings.postgresqlConf,
};

/** An error as plain data: messages copy an Error's message but not PostgreSQL's fields (code, detail). */
function describe(error: unknown): ThreadReply & { ok: false } {
  const fields: Record<string, string | number> = {};
  if (error !== null && typeof error === "object") {
    for (const [name, value] of Object.entries(error)) {
      // PGlite attaches the query's parameters to its errors: they may hold business content.
      if (name === "params") continue;
      if (typeof value === "string" || typeof value === "number") fields[name] = value;
    }
  }
  const failure = error instanceof Error ? error : new Error(String(error));
  return { id: 0, ok: false, error: { name: failure.name, message: failure.message, fields } };
}

let pglite: PGlite;
let driver: InstanceType<typeof PGliteDriver>;
let origin: DatabaseOrigin;
try {
  const modules = await compiling;
  ({ pglite, origin } = await createPGlite(
    settings.dataDir,
    { ...options, pgliteWasmModule: modules.pglite, initdbWasmModule: modules.initdb },
    settings.templates,
  ));
  driver = new PGliteDriver({ pglite });
  await driver.init();
} catch (error) {
  port.postMessage({ ...describe(error), id: -1 });
  process.exit(1);
}
// Kysely's PGlite driver has one connection; its transaction methods take that connection's own type.
const connection = (await driver.acquireConnection()) as Parameters<(typeof driver)["beginTransaction"]>[0];

/**
 * A session held alone (a backup's snapshot): PGlite's own transaction, which every other query
 * waits behind until it is released, so the rows read in it are one consistent state.
 */
let held: { query: (sql: string) => Promise<{ rows: unknown[] }>; release: () => void } | null = null;

async function hold(): Promise<null> {
  // The session is shared: a transaction another caller has open must end first, or the snapshot's
  // BEGIN would join it (and its COMMIT end it).
  while (pglite.isInTransaction()) await new Promise((resolve) => setTimeout(resolve, 5));
  return new Promise((ready, failed) => {
    pglite
      .transaction(
        (transaction) =>
          new Promise<void>((release) => {
            held = { query: (sql) => transaction.query(sql), release };
            ready(null);
          }),
      )
      .catch(failed)
      .finally(() => (held = null));
  });
}

async function handle(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case "hold":
      return hold();
    case "held":
      if (!held) throw new Error("no session is held");
      return { rows: (await held.query(request.sql)).rows };
    case "release":
      held?.release();
      return null;
    case "query": {
      const result = await connection.executeQuery(CompiledQuery.raw(request.sql, [...request.parameters]));
      return { rows: result.rows, numAffectedRows: result.numAffectedRows };
    }
    case "begin":
      return driver.beginTransaction(connection);
    case "commit":
      return driver.commitTransaction(connection);
    case "rollback":
      return driver.rollbackTransaction(connection);
    case "template":
      return saveTemplate(pglite, request.file).then(() => null);
    case "close":
      return driver.destroy();
  }
}

port.on("message", (request: ThreadRequest) => {
  handle(request).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies ThreadReply),
    (error: unknown) => port.postMessage({ ...describe(error), id: request.id } satisfies ThreadReply),
  );
});
port.postMessage({ id: -1, ok: true, result: origin } satisfies ThreadReply);
// This thread's heap grows under load as the serving thread's does, and goes back the same way.
collectWhenIdle();
