// A collection row read and opened (issue 20): its key unwrapped by the organisation's key, its name
// and metadata opened under it. Rows of deleted collections (key destroyed) are never opened.
import type { Selectable } from "kysely";
import { newDataKey, openDataKey } from "../../crypto/data-key.ts";
import type { Keyring, Place } from "../../crypto/keyring.ts";
import type { Collection, CollectionOwner } from "../document-types.ts";
import type { DocumentCollectionsTable } from "./document-tables.ts";
import { documentBinding, openJson, sealJson } from "./sealed-passages.ts";

export type CollectionRow = Selectable<DocumentCollectionsTable>;

export function collectionPlace(id: string): Place {
  return { table: "document_collections", row: id };
}

export const collectionOwner = (row: CollectionRow): CollectionOwner =>
  ({ kind: row.owner_kind, id: row.owner_id }) as CollectionOwner;

export function sharedWith(row: CollectionRow): string[] {
  const value: unknown = typeof row.shared_with === "string" ? JSON.parse(row.shared_with) : row.shared_with;
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export async function collectionKey(keyring: Keyring, row: CollectionRow): Promise<Buffer> {
  return openDataKey(keyring, row.organization_id, collectionPlace(row.id), row.wrapped_key!);
}

export async function newCollectionKey(keyring: Keyring, organizationId: string, id: string) {
  return newDataKey(keyring, organizationId, collectionPlace(id));
}

export function sealName(key: Buffer, row: { id: string; organization_id: string }, name: string): Buffer {
  return sealJson(key, documentBinding("document_collections.name", row.id, row.organization_id), name);
}

export function sealMetadata(
  key: Buffer,
  row: { id: string; organization_id: string },
  metadata: Record<string, string>,
): Buffer {
  return sealJson(
    key,
    documentBinding("document_collections.metadata", row.id, row.organization_id),
    metadata,
  );
}

export function toCollection(row: CollectionRow, key: Buffer): Collection {
  return {
    id: row.id,
    organizationId: row.organization_id,
    owner: collectionOwner(row),
    name: openJson<string>(
      key,
      documentBinding("document_collections.name", row.id, row.organization_id),
      row.name!,
    ),
    sharedWith: sharedWith(row),
    embeddingModel: row.embedding_model,
    documents: Number(row.documents),
    bytes: Number(row.bytes),
    metadata: openJson<Record<string, string>>(
      key,
      documentBinding("document_collections.metadata", row.id, row.organization_id),
      row.metadata!,
    ),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    expiresAfterDays: row.expires_after_days,
    lastActiveAt: row.last_active_at,
  };
}
