// The module contract: how a domain joins the platform. Each domain is one module value naming the
// modules it needs, the migrations that make its tables, its typed administrative operations, and a
// `create` that builds its services from the shared foundation and the exports of the modules it needs,
// and says what it adds to the platform (request policies, completion observers, HTTP routes, export
// sections, periodic tasks, a close). The platform composes a list of them in dependency order
// (compose-modules.ts); docs/architecture.md shows how to write one.
import type { FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Config } from "../config/config.ts";
import type { AnyOperation } from "../core/operation.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { BlobStore } from "../files/blob-store.ts";
import type { Db } from "../db/database.ts";
import type { UserDeletionHook } from "../identity/scim/scim-user-service.ts";
import type { CompletionObserver, RequestPolicy } from "../inference/completion-hooks.ts";
import type { PeriodicTask } from "../jobs/periodic-task.ts";
import type { ExportSection } from "../privacy/export-organization.ts";

/** A Fastify plugin and where it is mounted; every /api route in it declares `config.permission`. */
export interface HttpRoutes {
  plugin: FastifyPluginAsync;
  prefix?: string;
}

/** What a module adds to the platform's shared lists; each list keeps module order. */
export interface Contributions {
  /** Asked before every /v1 completion, in order; the first to throw refuses the request. */
  policies?: RequestPolicy[];
  /** Told after every /v1 completion, off the hot path. */
  observers?: CompletionObserver[];
  /** Mounted on the public HTTP app. */
  routes?: HttpRoutes[];
  /** Sections of the organisation export (OWN-2). */
  exportSections?: ExportSection[];
  /** Run when a user is deleted (SCIM), before the user row goes, so the user's data goes too. */
  userDeleted?: UserDeletionHook[];
  /** Started once every module is built (a first run waits one interval); stopped on close. */
  tasks?: PeriodicTask[];
}

/** The lists every module contributed to, in module order. */
export type Gathered = {
  readonly [Kind in keyof Contributions]-?: ReadonlyArray<NonNullable<Contributions[Kind]>[number]>;
};

/** Options of one start of the platform. */
export interface PlatformOptions {
  /** Build and serve the demo model when no model is configured (`custodian serve` only). */
  demoModel?: boolean;
}

/**
 * What every module builds on, made before any module: configuration, logs, database, keys, the blob
 * store and the audit log (whose checkpoints the bucket witnesses).
 */
export interface Foundation {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  keyring: Keyring;
  /** Sealed file contents: a local directory or the S3 bucket. */
  blobs: BlobStore;
  audit: AuditLog;
  options: PlatformOptions;
  /**
   * Every module's contributions. The lists fill while the platform is composed and are complete before
   * it serves anything: hand them on and read them when work comes, never while building.
   */
  gathered: Gathered;
}

/** What `create` returns: what the module exports to those that need it, and what it adds. */
export interface Built<Exports> extends Contributions {
  exports: Exports;
  /** Flush and stop; modules close in reverse order, after their tasks have stopped. */
  close?(): Promise<void>;
}

/** Any module, as the composer and the `needs` of other modules see it. */
export interface AnyModule {
  readonly name: string;
  readonly needs: Readonly<Record<string, AnyModule>>;
  readonly migrations: readonly string[];
  readonly operations: Readonly<Record<string, AnyOperation>>;
  // `needs: never`: any module's create fits here; the composer passes each the exports it named.
  create(foundation: Foundation, needs: never): Built<unknown> | Promise<Built<unknown>>;
}

/** The exports of a module, as `create` returns them. */
export type ExportsOf<M> = M extends { create(...args: never[]): infer Result }
  ? Awaited<Result> extends Built<infer Exports>
    ? Exports
    : never
  : never;

export interface Module<
  Name extends string,
  Needs extends Readonly<Record<string, AnyModule>>,
  Exports,
  Operations extends Readonly<Record<string, AnyOperation>>,
> {
  readonly name: Name;
  /** The modules this one uses, under the names `create` receives their exports by. */
  readonly needs: Needs;
  /** The files in src/db/migrations that make this module's tables (applied for all at start). */
  readonly migrations: readonly string[];
  /** Its administrative operations; they run against the platform's exports (platform/operations.ts). */
  readonly operations: Operations;
  create(
    foundation: Foundation,
    needs: { readonly [Key in keyof Needs]: ExportsOf<Needs[Key]> },
  ): Built<Exports> | Promise<Built<Exports>>;
}

/** Declares a module with its types inferred: `needs` from the modules named, exports from `create`. */
export function defineModule<
  Name extends string,
  Needs extends Readonly<Record<string, AnyModule>>,
  Exports,
  Operations extends Readonly<Record<string, AnyOperation>>,
>(module: Module<Name, Needs, Exports, Operations>): Module<Name, Needs, Exports, Operations> {
  return module;
}
