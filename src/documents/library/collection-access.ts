// Who may do what with a collection (issue 20), decided at every call from the reader and the row:
// its owner manages it (a user, a group's members, a project's API keys, a conversation), groups it is
// shared with read it, the organisation's admins manage it without reading it. Anyone else, and every
// other organisation, gets nothing: the caller answers 404, as for an id that does not exist.
import type { CollectionOwner, Reader } from "../document-types.ts";

/** `manage` reads and changes; `read` only reads; `admin` changes without reading. */
export type CollectionRight = "manage" | "read" | "admin";

export interface CollectionFacts {
  organizationId: string;
  owner: CollectionOwner;
  sharedWith: readonly string[];
}

function owns(reader: Reader, owner: CollectionOwner): boolean {
  switch (owner.kind) {
    case "user":
      return reader.userId !== undefined && reader.userId === owner.id;
    case "group":
      return reader.groupIds?.includes(owner.id) ?? false;
    case "project":
      return reader.projectId !== undefined && reader.projectId === owner.id;
    case "conversation":
      return reader.conversationId !== undefined && reader.conversationId === owner.id;
  }
}

export function rightTo(reader: Reader, collection: CollectionFacts): CollectionRight | null {
  if (collection.organizationId !== reader.organizationId) return null;
  if (owns(reader, collection.owner)) return "manage";
  if (collection.sharedWith.some((group) => reader.groupIds?.includes(group))) return "read";
  return reader.admin ? "admin" : null;
}

export const mayRead = (right: CollectionRight | null): boolean => right === "manage" || right === "read";
export const mayManage = (right: CollectionRight | null): boolean => right === "manage" || right === "admin";
