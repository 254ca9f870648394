// A conversation's attachments in the chat workspace (issue 20): upload (multipart, one file), list and
// remove. The member must own the conversation; the file_upload switch (CTL-2) is checked before the
// body is read. Answers in the conversation then draw on the attachments and cite them.
import multipart from "@fastify/multipart";
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ConversationService } from "../workspace/conversation-service.ts";
import {
  DocumentIdParams,
  IdParams,
  renderAttachment,
  uploadedFile,
  type DocumentRoutesDependencies,
} from "./document-route-support.ts";
import { own } from "./workspace-route-support.ts";

export interface ChatAttachmentRoutesDependencies extends DocumentRoutesDependencies {
  conversations: ConversationService;
}

export function chatAttachmentRoutes(dependencies: ChatAttachmentRoutesDependencies) {
  const { member, conversations, documents, maxBytes, requireUpload } = dependencies;
  return async function register(app: FastifyInstance): Promise<void> {
    await app.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 },
    });

    app.post<{ Params: Static<typeof IdParams> }>(
      "/api/conversations/:id/attachments",
      { schema: { params: IdParams }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        await requireUpload(caller);
        await conversations.get(caller, request.params.id);
        const file = await uploadedFile(request, maxBytes);
        const document = await documents.attach(caller, request.params.id, file);
        return reply.code(201).send(renderAttachment(document));
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      "/api/conversations/:id/attachments",
      { schema: { params: IdParams }, config: own },
      async (request) => {
        const caller = await member(request, false);
        await conversations.get(caller, request.params.id);
        const attached = await documents.attachments(caller, request.params.id);
        return { data: attached.map(renderAttachment) };
      },
    );

    app.delete<{ Params: Static<typeof DocumentIdParams> }>(
      "/api/conversations/:id/attachments/:documentId",
      { schema: { params: DocumentIdParams }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        await conversations.get(caller, request.params.id);
        await documents.detach(caller, request.params.id, request.params.documentId);
        return reply.code(204).send();
      },
    );
  };
}
