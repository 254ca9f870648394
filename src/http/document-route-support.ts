// What the workspace's document routes (knowledge collections and chat attachments) share: their
// dependencies, the id parameters, reading one uploaded file, and how a document is rendered.
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { errors } from "../core/errors.ts";
import type { ChatDocuments } from "../documents/chat-documents.ts";
import type { DocumentRecord, NewDocument } from "../documents/document-types.ts";
import { extractionErrors } from "../documents/extract/extraction-errors.ts";
import type { Member } from "../workspace/conversation-service.ts";
import type { MemberOf } from "./workspace-route-support.ts";

export interface DocumentRoutesDependencies {
  member: MemberOf;
  documents: ChatDocuments;
  /** The largest file accepted, in bytes. */
  maxBytes: number;
  /** Throws 403 when the file_upload switch is off for the member (CTL-2). */
  requireUpload: (member: Member) => Promise<void>;
}

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const DocumentIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  documentId: Type.String({ minLength: 1, maxLength: 100 }),
});

/** One uploaded file from a multipart body (field `file`), refused clearly when too large. */
export async function uploadedFile(request: FastifyRequest, maxBytes: number): Promise<NewDocument> {
  if (!request.isMultipart())
    throw errors.invalidRequest("Upload the file as multipart/form-data, in the field 'file'.", "file");
  try {
    const part = await request.file();
    if (!part || part.fieldname !== "file")
      throw errors.invalidRequest("Upload the file in the field 'file'.", "file");
    return { filename: part.filename, content: await part.toBuffer(), mediaType: part.mimetype };
  } catch (error) {
    if ((error as { code?: string }).code === "FST_REQ_FILE_TOO_LARGE")
      throw extractionErrors.tooLarge(maxBytes);
    throw error;
  }
}

export function renderAttachment(document: DocumentRecord) {
  return {
    id: document.id,
    filename: document.filename,
    format: document.format,
    bytes: document.bytes,
    pages: document.pages,
    chunks: document.chunks,
    status: document.status,
    error: document.error,
    created_at: document.createdAt.toISOString(),
  };
}
