// Knowledge collections in the chat workspace (issue 20): the signed-in user's own collections and
// their groups' (a group's members manage it), and those shared with their groups (read only). Make one,
// rename it, share it with groups, add and remove documents (multipart, under the file_upload switch),
// delete it. A chat names the collections its answers may draw on (`collection_ids` on a message).
import multipart from "@fastify/multipart";
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Collection, DocumentLibrary, Reader } from "../documents/document-types.ts";
import { rightTo } from "../documents/library/collection-access.ts";
import { errors } from "../core/errors.ts";
import {
  DocumentIdParams,
  IdParams,
  renderAttachment,
  uploadedFile,
  type DocumentRoutesDependencies,
} from "./document-route-support.ts";
import { own } from "./workspace-route-support.ts";

/** The organisation's groups, as the Knowledge page's sharing needs them (names only, never members). */
export interface KnowledgeGroups {
  list(organizationId: string): Promise<Array<{ id: string; name: string }>>;
  exists(organizationId: string, groupId: string): Promise<boolean>;
}

export interface KnowledgeRoutesDependencies extends DocumentRoutesDependencies {
  library: DocumentLibrary;
  groups: KnowledgeGroups;
}

const NewCollectionBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    // A group the user belongs to owns it (its members manage it); the user when absent.
    group_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
const RenameBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const ShareBody = Type.Object(
  {
    group_ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      maxItems: 100,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);

/** The collection as the API shows it; with a reader, also whether they manage it or only read it. */
export function renderCollection(collection: Collection, reader?: Reader) {
  const right = reader ? rightTo(reader, collection) : null;
  return {
    ...(reader ? { access: right === "manage" ? ("manage" as const) : ("read" as const) } : {}),
    id: collection.id,
    name: collection.name,
    owner: collection.owner,
    shared_with: collection.sharedWith,
    documents: collection.documents,
    bytes: collection.bytes,
    created_at: collection.createdAt.toISOString(),
  };
}

export function knowledgeRoutes(dependencies: KnowledgeRoutesDependencies) {
  const { member, documents, library, groups, maxBytes, requireUpload } = dependencies;
  const reader = async (request: FastifyRequest, change: boolean) => {
    const caller = await member(request, change);
    return { caller, reader: await documents.reader(caller) };
  };
  return async function register(app: FastifyInstance): Promise<void> {
    await app.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 } });

    app.get("/api/knowledge", { config: own }, async (request) => {
      const { reader: asker } = await reader(request, false);
      const collections = await library.listCollections(asker);
      // A conversation's attachments are reached through that conversation, not listed here.
      const listed = collections.filter((item) => item.owner.kind !== "conversation");
      return { data: listed.map((item) => renderCollection(item, asker)) };
    });

    // The groups a collection can be shared with: the organisation's, the caller's own marked (names only).
    app.get("/api/knowledge/groups", { config: own }, async (request) => {
      const { reader: asker } = await reader(request, false);
      const mine = new Set(asker.groupIds);
      const all = await groups.list(asker.organizationId);
      return { data: all.map((group) => ({ id: group.id, name: group.name, member: mine.has(group.id) })) };
    });

    app.post<{ Body: Static<typeof NewCollectionBody> }>(
      "/api/knowledge",
      { schema: { body: NewCollectionBody }, config: own },
      async (request, reply) => {
        const { caller, reader: asker } = await reader(request, true);
        const groupId = request.body.group_id;
        const owner = groupId
          ? { kind: "group" as const, id: groupId }
          : { kind: "user" as const, id: caller.userId };
        const made = await library.createCollection(asker, { owner, name: request.body.name }, caller.userId);
        return reply.code(201).send(renderCollection(made, asker));
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      "/api/knowledge/:id",
      { schema: { params: IdParams }, config: own },
      async (request) => {
        const { reader: asker } = await reader(request, false);
        const collection = await library.getCollection(asker, request.params.id);
        const listed = await library.listDocuments(asker, request.params.id);
        return { ...renderCollection(collection, asker), files: listed.map(renderAttachment) };
      },
    );

    app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof RenameBody> }>(
      "/api/knowledge/:id",
      { schema: { params: IdParams, body: RenameBody }, config: own },
      async (request) => {
        const { caller, reader: asker } = await reader(request, true);
        const change = { name: request.body.name };
        return renderCollection(
          await library.updateCollection(asker, request.params.id, change, caller.userId),
          asker,
        );
      },
    );

    app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof ShareBody> }>(
      "/api/knowledge/:id/shares",
      { schema: { params: IdParams, body: ShareBody }, config: own },
      async (request) => {
        const { caller, reader: asker } = await reader(request, true);
        const chosen = request.body.group_ids;
        // An unknown collection is not found before the groups are looked at.
        await library.getCollection(asker, request.params.id);
        // Only the organisation's own groups: another id would share with no one, silently.
        for (const groupId of chosen)
          if (!(await groups.exists(asker.organizationId, groupId)))
            throw errors.invalidRequest(`No group with id '${groupId}'.`, "group_ids", "group_not_found");
        return renderCollection(
          await library.shareCollection(asker, request.params.id, chosen, caller.userId),
          asker,
        );
      },
    );

    app.delete<{ Params: Static<typeof IdParams> }>(
      "/api/knowledge/:id",
      { schema: { params: IdParams }, config: own },
      async (request, reply) => {
        const { caller, reader: asker } = await reader(request, true);
        await library.deleteCollection(asker, request.params.id, caller.userId);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      "/api/knowledge/:id/files",
      { schema: { params: IdParams }, config: own },
      async (request, reply) => {
        const { caller, reader: asker } = await reader(request, true);
        await requireUpload(caller);
        // Another organisation's or an unreadable collection is not found before the body is read.
        await library.getCollection(asker, request.params.id);
        const file = await uploadedFile(request, maxBytes);
        const added = await library.addDocument(asker, request.params.id, file, caller.userId);
        return reply.code(201).send(renderAttachment(added));
      },
    );

    app.delete<{ Params: Static<typeof DocumentIdParams> }>(
      "/api/knowledge/:id/files/:documentId",
      { schema: { params: DocumentIdParams }, config: own },
      async (request, reply) => {
        const { caller, reader: asker } = await reader(request, true);
        await library.deleteDocument(asker, request.params.id, request.params.documentId, caller.userId);
        return reply.code(204).send();
      },
    );
  };
}
