// Retention (at most 30 days, API-1) and zero-data-retention (API-2) settings for API traffic, per
// organisation and per project. The
// most private value wins: a project can shorten its organisation's retention or turn ZDR on, never undo it.
import { sql } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import { errors } from "../core/errors.ts";
import type { Db } from "../db/database.ts";
import "./privacy-tables.ts";

/** API-1: no API content is kept longer than this, whatever anyone configures. */
export const maxRetentionDays = 30;

export interface EffectivePrivacy {
  retentionDays: number;
  zdr: boolean;
}

export interface PrivacySetting {
  organizationId: string;
  /** null for the organisation-wide setting. */
  projectId: string | null;
  retentionDays: number | null;
  zdr: boolean | null;
  updatedAt: Date;
}

export interface PrivacyChange {
  organizationId: string;
  projectId?: string | null;
  retentionDays?: number;
  zdr?: boolean;
  actor: string;
}

const organizationWide = "";

export class PrivacySettingsService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #listeners: Array<() => void> = [];
  /** Says whether something else (HIPAA mode) forces ZDR on every project of an organisation. */
  readonly #zdrForcers: Array<(organizationId: string) => Promise<boolean>> = [];

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  /** Call `listener` after every change made through this service (to drop caches). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Force ZDR on an organisation while `forces` says so; turning it off is then refused. */
  forceZdrWhen(forces: (organizationId: string) => Promise<boolean>): void {
    this.#zdrForcers.push(forces);
  }

  async #zdrForced(organizationId: string): Promise<boolean> {
    for (const forces of this.#zdrForcers) if (await forces(organizationId)) return true;
    return false;
  }

  /** The rules that apply to a project's traffic now. */
  async effective(organizationId: string, projectId: string): Promise<EffectivePrivacy> {
    const rows = await this.#db
      .selectFrom("privacy_settings")
      .select(["retention_days", "zdr"])
      .where("organization_id", "=", organizationId)
      .where("project_id", "in", [organizationWide, projectId])
      .execute();
    let retentionDays = maxRetentionDays;
    let zdr = false;
    for (const row of rows) {
      if (row.retention_days !== null) retentionDays = Math.min(retentionDays, row.retention_days);
      zdr ||= row.zdr === true;
    }
    if (!zdr && (await this.#zdrForced(organizationId))) zdr = true;
    return { retentionDays, zdr };
  }

  /** Every explicit setting, for one organisation or all of them (the trust report). */
  async list(organizationId?: string): Promise<PrivacySetting[]> {
    let query = this.#db.selectFrom("privacy_settings").selectAll();
    if (organizationId !== undefined) query = query.where("organization_id", "=", organizationId);
    const rows = await query.orderBy("organization_id").orderBy("project_id").execute();
    return rows.map((row) => ({
      organizationId: row.organization_id,
      projectId: row.project_id === organizationWide ? null : row.project_id,
      retentionDays: row.retention_days,
      zdr: row.zdr,
      updatedAt: row.updated_at,
    }));
  }

  /**
   * Change a setting. The caller has checked that the organisation and project exist. Shortening
   * retention also shortens the life of records already kept, so a lower value holds at once.
   */
  async set(change: PrivacyChange): Promise<PrivacySetting> {
    const { retentionDays, zdr } = change;
    if (retentionDays === undefined && zdr === undefined) {
      throw errors.invalidRequest("Give a retention period in days, a ZDR switch, or both.");
    }
    if (
      retentionDays !== undefined &&
      (!Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > maxRetentionDays)
    ) {
      throw errors.invalidRequest(
        `Retention must be a whole number of days from 0 to ${maxRetentionDays}.`,
        "retention_days",
      );
    }
    if (zdr === false && (await this.#zdrForced(change.organizationId))) {
      throw errors.invalidRequest(
        "This organization is in HIPAA mode: zero data retention cannot be turned off.",
        "zdr",
        "hipaa_requires_zdr",
      );
    }
    const projectId = change.projectId ?? organizationWide;
    const updatedAt = new Date();
    const values = {
      organization_id: change.organizationId,
      project_id: projectId,
      updated_at: updatedAt,
      ...(retentionDays !== undefined ? { retention_days: retentionDays } : {}),
      ...(zdr !== undefined ? { zdr } : {}),
    };
    const row = await this.#db.transaction().execute(async (transaction) => {
      const saved = await transaction
        .insertInto("privacy_settings")
        .values(values)
        .onConflict((conflict) =>
          conflict.columns(["organization_id", "project_id"]).doUpdateSet({
            updated_at: updatedAt,
            ...(retentionDays !== undefined ? { retention_days: retentionDays } : {}),
            ...(zdr !== undefined ? { zdr } : {}),
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      if (retentionDays !== undefined) {
        let shorten = transaction
          .updateTable("api_records")
          .set({
            expires_at: sql<Date>`least(expires_at, created_at + make_interval(days => ${retentionDays}))`,
          })
          .where("organization_id", "=", change.organizationId);
        if (projectId !== organizationWide) shorten = shorten.where("project_id", "=", projectId);
        await shorten.execute();
      }
      return saved;
    });
    for (const listener of this.#listeners) listener();
    await this.#audit.append({
      actor: change.actor,
      action: "privacy.settings_changed",
      target: projectId === organizationWide ? change.organizationId : projectId,
      organizationId: change.organizationId,
      metadata: {
        scope: projectId === organizationWide ? "organization" : "project",
        ...(retentionDays !== undefined ? { retention_days: retentionDays } : {}),
        ...(zdr !== undefined ? { zdr } : {}),
      },
    });
    return {
      organizationId: row.organization_id,
      projectId: row.project_id === organizationWide ? null : row.project_id,
      retentionDays: row.retention_days,
      zdr: row.zdr,
      updatedAt: row.updated_at,
    };
  }
}
