// Embedded PGlite on a worker thread, as a Kysely dialect: Kysely's PGlite dialect with each driver
// call forwarded to `pglite-worker.ts`, so the database's WebAssembly work no longer competes with
// request handling for the server's event loop.
import { Worker } from "node:worker_threads";
import {
  PGliteAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from "kysely";
import type { DatabaseOrigin } from "./pglite-template.ts";
import type { TemplateFiles } from "./template-files.ts";
import { sharedPGlite, type PGliteModules } from "./pglite-wasm.ts";

/** What the caller chooses about the database. */
export interface ThreadSettings {
  dataDir: string;
  postgresqlConf: string[];
  /** The templates a new database starts from (see pglite-template.ts). */
  templates: TemplateFiles;
  /**
   * The database thread compiles PGlite's WebAssembly itself instead of taking this process's shared
   * copy: for the database `custodian serve` starts early (embedded-database.ts), while the main thread
   * is busy loading the program. A compile started there finishes only when the main thread is free
   * again; the thread's own runs while it loads its modules.
   */
  compileInThread?: boolean;
}

/** What the worker needs to open the database: the templates, and PGlite's WebAssembly compiled (null: compile it). */
export interface WorkerSettings {
  dataDir: string;
  postgresqlConf: string[];
  templates: TemplateFiles;
  modules: PGliteModules | null;
}

export type ThreadRequest =
  | { id: number; op: "query"; sql: string; parameters: readonly unknown[] }
  | { id: number; op: "held"; sql: string }
  | { id: number; op: "template"; file: string }
  | { id: number; op: "begin" | "commit" | "rollback" | "close" | "hold" | "release" };

/** A request before it is numbered (Omit over each member of the union, not the union as a whole). */
type Unnumbered<T> = T extends unknown ? Omit<T, "id"> : never;

/** A reply to request `id`; id -1 reports the worker's start (ready, or why it could not open). */
export type ThreadReply =
  | { id: number; ok: true; result: unknown }
  | {
      id: number;
      ok: false;
      error: { name: string; message: string; fields: Record<string, string | number> };
    };

const workerUrl = new URL("./pglite-worker.ts", import.meta.url);

/** The error the worker described, rebuilt here with PostgreSQL's fields (code, detail, ...) and this thread's stack. */
function rebuild(failure: Extract<ThreadReply, { ok: false }>["error"]): Error {
  const error = Object.assign(new Error(failure.message), failure.fields);
  error.name = failure.name;
  return error;
}

/** bytea values arrive as plain byte arrays; the code base expects Buffers (as node-postgres gives). */
function withBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const name in row) {
    const value = row[name];
    if (value instanceof Uint8Array)
      row[name] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return row;
}

class PGliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  #nextId = 1;
  #failure: Error | null = null;
  /** Resolves to how the database was opened (see pglite-template.ts). */
  readonly ready: Promise<DatabaseOrigin>;

  constructor(settings: WorkerSettings) {
    this.#worker = new Worker(workerUrl, { workerData: settings });
    // An idle database must not keep a finished command-line run alive: the worker holds the
    // process open only while a call is in flight.
    this.#worker.unref();
    let started: { resolve: (origin: DatabaseOrigin) => void; reject: (error: Error) => void };
    this.ready = new Promise((resolve, reject) => (started = { resolve, reject }));
    this.#worker.on("message", (reply: ThreadReply) => {
      if (reply.id === -1) {
        if (reply.ok) started.resolve(reply.result as DatabaseOrigin);
        else started.reject(rebuild(reply.error));
        return;
      }
      const call = this.#pending.get(reply.id);
      if (!call) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.ok) call.resolve(reply.result);
      else call.reject(rebuild(reply.error));
    });
    const fail = (error: Error) => {
      this.#failure = new Error(`the embedded database stopped: ${error.message}`, { cause: error });
      started.reject(this.#failure);
      for (const call of this.#pending.values()) call.reject(this.#failure);
      this.#pending.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`its thread exited with code ${code}`)));
  }

  call(request: Unnumbered<ThreadRequest>): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  async close(): Promise<void> {
    if (!this.#failure) await this.call({ op: "close" });
    await this.#worker.terminate();
  }
}

/**
 * Parameters as they should cross to the database thread: a message copies a typed array's whole
 * backing store, and a small Buffer (a sealed record, say) is a view into a shared 8 KiB pool, so each
 * such value gets an exact-size copy of its own; other values pass as they are.
 */
export function exactSize(parameters: readonly unknown[]): unknown[] {
  return parameters.map((value) =>
    value instanceof Uint8Array && value.byteLength !== value.buffer.byteLength
      ? new Uint8Array(value)
      : value,
  );
}

class ThreadConnection implements DatabaseConnection {
  readonly #thread: PGliteThread;

  constructor(thread: PGliteThread) {
    this.#thread = thread;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = (await this.#thread.call({
      op: "query",
      sql: compiledQuery.sql,
      parameters: exactSize(compiledQuery.parameters),
    })) as { rows: Array<Record<string, unknown>>; numAffectedRows?: bigint };
    return {
      rows: result.rows.map(withBuffers) as R[],
      ...(result.numAffectedRows !== undefined ? { numAffectedRows: result.numAffectedRows } : {}),
    };
  }

  // eslint-disable-next-line require-yield -- an async generator that only refuses, as Kysely's PGlite driver does
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("Streaming is not supported by PGlite.");
  }
}

export class ThreadDriver implements Driver {
  readonly #settings: ThreadSettings;
  #thread: PGliteThread | null = null;
  #connection: ThreadConnection | null = null;

  constructor(settings: ThreadSettings) {
    this.#settings = settings;
  }

  /** The templates this database was to start from when new. */
  get templates(): TemplateFiles {
    return this.#settings.templates;
  }

  /** How the database was opened; null until it is. */
  origin: DatabaseOrigin | null = null;

  async init(): Promise<void> {
    const { dataDir, postgresqlConf, templates, compileInThread } = this.#settings;
    const modules = compileInThread ? null : await sharedPGlite();
    const thread = new PGliteThread({ dataDir, postgresqlConf, templates, modules });
    this.origin = await thread.ready;
    this.#thread = thread;
    this.#connection = new ThreadConnection(thread);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#connection) throw new Error("the embedded database is not open");
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {}

  async beginTransaction(): Promise<void> {
    await this.#thread!.call({ op: "begin" });
  }

  async commitTransaction(): Promise<void> {
    await this.#thread!.call({ op: "commit" });
  }

  async rollbackTransaction(): Promise<void> {
    await this.#thread!.call({ op: "rollback" });
  }

  /** Runs `work` in a session no other query enters until it ends (pglite-worker.ts's `hold`). */
  async alone<T>(work: (query: (sql: string) => Promise<unknown[]>) => Promise<T>): Promise<T> {
    const thread = this.#thread;
    if (!thread) throw new Error("the embedded database is not open");
    await thread.call({ op: "hold" });
    try {
      return await work(
        async (sql) => ((await thread.call({ op: "held", sql })) as { rows: unknown[] }).rows,
      );
    } finally {
      await thread.call({ op: "release" });
    }
  }

  /** Saves the database as it is now as the template `file` (pglite-template.ts's saveTemplate). */
  async saveTemplate(file: string): Promise<void> {
    if (!this.#thread) throw new Error("the embedded database is not open");
    await this.#thread.call({ op: "template", file });
  }

  async destroy(): Promise<void> {
    const thread = this.#thread;
    this.#thread = null;
    this.#connection = null;
    await thread?.close();
  }
}

/** Kysely's PGlite dialect, with the database on its own thread. */
export class PGliteThreadDialect implements Dialect {
  readonly #settings: ThreadSettings;

  constructor(settings: ThreadSettings) {
    this.#settings = settings;
  }

  createAdapter() {
    return new PGliteAdapter();
  }

  /** The driver Kysely was given (one per dialect): a backup holds a session through it. */
  driver: ThreadDriver | null = null;

  createDriver(): Driver {
    this.driver = new ThreadDriver(this.#settings);
    return this.driver;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's Dialect interface takes Kysely<any>
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
