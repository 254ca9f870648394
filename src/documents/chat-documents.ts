// Documents in the chat workspace (issue 20): a conversation's attachments are a collection owned by the
// conversation, created at its first upload, readable through that conversation only, and deleted with it;
// an answer draws on them and on the knowledge collections its user picked, each checked at every
// retrieval. The workspace reaches this through its ChatKnowledge seam; the platform wires the two.
import { errors } from "../core/errors.ts";
import type { DocumentLibrary, DocumentRecord, NewDocument, Reader, SearchHit } from "./document-types.ts";

/** The signed-in user in the chat (the workspace's member, as far as documents need it). */
export interface ChatUser {
  organizationId: string;
  userId: string;
}

/** A passage handed to an answer, with where it came from. */
export interface ChatPassage {
  documentId: string;
  filename: string;
  page: number | null;
  section: string | null;
  passage: string;
}

/** How many passages one answer is given, and the least fused score a passage needs. */
const passagesPerAnswer = 6;
const minScore = 0.05;

export class ChatDocuments {
  readonly #library: DocumentLibrary;
  readonly #groupsOf: (organizationId: string, userId: string) => Promise<string[]>;

  constructor(dependencies: {
    library: DocumentLibrary;
    groupsOf: (organizationId: string, userId: string) => Promise<string[]>;
  }) {
    this.#library = dependencies.library;
    this.#groupsOf = dependencies.groupsOf;
  }

  /** The user as the library checks them: their groups, and the conversation they are in. */
  async reader(user: ChatUser, conversationId?: string): Promise<Reader> {
    const groupIds = await this.#groupsOf(user.organizationId, user.userId);
    return { organizationId: user.organizationId, userId: user.userId, groupIds, conversationId };
  }

  /** The conversation's attachment collection, or null before its first upload. */
  async #collection(reader: Reader, conversationId: string): Promise<string | null> {
    const collections = await this.#library.listCollections(reader);
    const own = collections.find(
      (collection) => collection.owner.kind === "conversation" && collection.owner.id === conversationId,
    );
    return own?.id ?? null;
  }

  /** Throws not-found unless the user may read every one of the collections. */
  async check(user: ChatUser, collectionIds: readonly string[]): Promise<void> {
    const reader = await this.reader(user);
    for (const collectionId of collectionIds) await this.#library.getCollection(reader, collectionId);
  }

  /** Attach a file to a conversation (the caller has checked that the user owns it). */
  async attach(user: ChatUser, conversationId: string, document: NewDocument): Promise<DocumentRecord> {
    const reader = await this.reader(user, conversationId);
    const existing = await this.#collection(reader, conversationId);
    const collectionId =
      existing ??
      (
        await this.#library.createCollection(
          reader,
          { owner: { kind: "conversation", id: conversationId }, name: "Chat attachments" },
          user.userId,
        )
      ).id;
    return this.#library.addDocument(reader, collectionId, document, user.userId);
  }

  async attachments(user: ChatUser, conversationId: string): Promise<DocumentRecord[]> {
    const reader = await this.reader(user, conversationId);
    const collectionId = await this.#collection(reader, conversationId);
    return collectionId === null ? [] : this.#library.listDocuments(reader, collectionId);
  }

  async detach(user: ChatUser, conversationId: string, documentId: string): Promise<void> {
    const reader = await this.reader(user, conversationId);
    const collectionId = await this.#collection(reader, conversationId);
    if (collectionId === null) throw errors.notFound("attachment", documentId);
    await this.#library.deleteDocument(reader, collectionId, documentId, user.userId);
  }

  /** Passages for a question: the conversation's attachments and the picked collections, fused. */
  async retrieve(
    user: ChatUser,
    conversationId: string,
    question: string,
    collectionIds: readonly string[],
  ): Promise<ChatPassage[]> {
    const reader = await this.reader(user, conversationId);
    const attachments = await this.#collection(reader, conversationId);
    const searched = [...new Set([...(attachments === null ? [] : [attachments]), ...collectionIds])];
    if (searched.length === 0) return [];
    const hits = await this.#library.search(reader, {
      collectionIds: searched,
      query: question,
      limit: passagesPerAnswer,
      minScore,
    });
    return hits.map(passageOf);
  }

  /** Conversations are gone (deleted or expired): their attachments go too, keys first. */
  async conversationsGone(organizationId: string, conversationIds: readonly string[]): Promise<void> {
    for (const conversationId of conversationIds) {
      const reader: Reader = { organizationId, conversationId };
      const collectionId = await this.#collection(reader, conversationId);
      if (collectionId !== null) await this.#library.deleteCollection(reader, collectionId, "system");
    }
  }
}

function passageOf(hit: SearchHit): ChatPassage {
  return {
    documentId: hit.documentId,
    filename: hit.filename,
    page: hit.chunk.page,
    section: hit.chunk.section,
    passage: hit.chunk.text,
  };
}
