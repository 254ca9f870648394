// PLAT-2: a live trust probe checks one or more commitments against the running installation, with the
// installation's own services, in the probe organisations customers never see. A probe says what it
// checked in words (with counts, never content) and throws `ProbeFailure` when a commitment does not
// hold; it cleans up what it made. The runner bounds it in time and records the result.
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { Agent } from "undici";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Config } from "../config/config.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { AccessModule } from "../access/access-module.ts";
import type { FileService } from "../files/file-service.ts";
import type { FinetuneModule } from "../finetune/finetune-module.ts";
import type { ApiKeyService } from "../identity/api-key-service.ts";
import type { IdentityServices } from "../identity/identity-services.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import type { PrivacyEngine } from "../privacy/privacy-engine.ts";
import type { Oversight } from "../privacy/staff-oversight.ts";
import type { TenancyService } from "../tenancy/tenancy-service.ts";
import type { WorkspaceModule } from "../workspace/workspace-module.ts";
import type { ProbeOrganizations } from "./probe-organizations.ts";

/** A commitment that does not hold, in words that hold no content. */
export class ProbeFailure extends Error {
  override readonly name = "ProbeFailure";
}

/** A probe that cannot run here (no listener in a CLI process, say): recorded as skipped, not passed. */
export class ProbeSkipped extends Error {
  override readonly name = "ProbeSkipped";
}

/** The public listener of a serving process: its URL and the CA that signed its certificate. */
export interface ProbeListener {
  url: string;
  caFile: string | null;
  /** The routes it serves (method and URL pattern), for the probes that walk them. */
  routes: ReadonlyArray<{ method: string; url: string }>;
}

/** An HTTP agent for the listener that trusts the CA that signed its certificate; close it when done. */
export function listenerAgent(listener: ProbeListener): Agent {
  return new Agent({ connect: listener.caFile ? { ca: readFileSync(listener.caFile) } : {} });
}

/** What probes run against: the installation's own services, and the probe organisations. */
export interface ProbeContext {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  tenancy: TenancyService;
  identity: IdentityServices;
  apiKeys: ApiKeyService;
  access: AccessModule;
  privacy: PrivacyEngine;
  workspace: WorkspaceModule;
  oversight: Oversight;
  files: FileService;
  finetune: FinetuneModule;
  models: ModelRouter;
  organizations: ProbeOrganizations;
  /** The public listener, when this process serves; null in a CLI process. */
  listener: ProbeListener | null;
  /** This node's id (PLAT-3's heartbeats). */
  nodeId: string;
  /** Aborted when the probe's time is up: long steps should stop. */
  signal: AbortSignal;
}

export interface Probe {
  /** Stable name, `group.what` (the trust page links to it). */
  name: string;
  /** The commitment IDs it checks. */
  commitments: readonly string[];
  /** What it checks, one line, for the trust page. */
  description: string;
  /** The source file it lives in, relative to the repository root (the trust page links to it). */
  source: string;
  /** What an owner can do when it fails. */
  remedy: string;
  /** Runs it; resolves to what was checked, or throws `ProbeFailure` / `ProbeSkipped`. */
  run(context: ProbeContext): Promise<string[]>;
}

/** Fail the probe with `message` unless `condition` holds. */
export function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ProbeFailure(message);
}

/** Resolve to the error `work` rejects with, or fail the probe with `message` when it succeeds. */
export async function expectRefusal(work: () => Promise<unknown>, message: string): Promise<Error> {
  try {
    await work();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  throw new ProbeFailure(message);
}

/** The HTTP status a refusal carries (CustodianError and friends), or null. */
export function statusOf(error: unknown): number | null {
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ??
    (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? status : null;
}
