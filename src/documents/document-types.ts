// The documents domain's shapes (issue 20): what extraction yields, what a chunk is, who may read a
// collection, and the library service that the workspace, /v1/vector_stores and file_search call. Every
// document's text, chunks and vectors are sealed under its collection's key; nothing here is plaintext
// at rest.

export const documentFormats = ["pdf", "docx", "pptx", "xlsx", "csv", "html", "markdown", "text"] as const;
export type DocumentFormat = (typeof documentFormats)[number];

/** A run of text from a document, with where it sits, for citations. */
export interface ExtractedBlock {
  text: string;
  /** 1-based page (PDF) or slide (PPTX) or sheet index (XLSX); null where the format has none. */
  page: number | null;
  /** The nearest heading, sheet name or slide title above the text; null where there is none. */
  heading: string | null;
}

export interface ExtractedDocument {
  format: DocumentFormat;
  /** Pages, slides or sheets, where the format has them. */
  pages: number | null;
  blocks: ExtractedBlock[];
  /** True where the limits cut the document short (pages not read, text not kept). */
  truncated?: boolean;
}

export interface ExtractionLimits {
  /** The largest file accepted, in bytes. */
  maxBytes: number;
  /** The most pages (or slides, or sheets) read. */
  maxPages: number;
  /** The most characters of text kept from one document. */
  maxCharacters: number;
}

export const defaultExtractionLimits: ExtractionLimits = {
  maxBytes: 25 * 1024 * 1024,
  maxPages: 500,
  maxCharacters: 5_000_000,
};

/** A passage as search sees it: its text and where it came from. */
export interface DocumentChunk {
  /** 0-based position in its document. */
  index: number;
  text: string;
  page: number | null;
  section: string | null;
}

export interface ChunkingOptions {
  /** Target size of a chunk, in characters. */
  maxCharacters: number;
  /** Characters repeated from the end of one chunk at the start of the next (within one section). */
  overlapCharacters: number;
}

export const defaultChunkingOptions: ChunkingOptions = { maxCharacters: 1200, overlapCharacters: 150 };

/**
 * Who owns a collection. A user's collection is theirs; a group's is readable by its members; a project's
 * belongs to the /v1 API keys of that project (OpenAI vector stores); a conversation's holds that chat's
 * attachments and follows the conversation's retention and deletion.
 */
export type CollectionOwner =
  | { kind: "user"; id: string }
  | { kind: "group"; id: string }
  | { kind: "project"; id: string }
  | { kind: "conversation"; id: string };

/**
 * Who is asking, checked at every read and every retrieval. The workspace fills in the user and their
 * groups (and the conversation when a chat draws on its attachments); /v1 fills in the project.
 */
export interface Reader {
  organizationId: string;
  userId?: string;
  groupIds?: readonly string[];
  projectId?: string;
  conversationId?: string;
  /** The organisation's owners and admins manage every collection (never read through this alone). */
  admin?: boolean;
}

export interface Collection {
  id: string;
  organizationId: string;
  owner: CollectionOwner;
  /** Sealed at rest like the content; shown to those who may read the collection. */
  name: string;
  /** Groups the owner shared the collection with (read only). */
  sharedWith: string[];
  /** The embedding model its vectors come from (fixed at creation). */
  embeddingModel: string;
  documents: number;
  bytes: number;
  /** OpenAI vector stores' key-value metadata; sealed at rest. */
  metadata: Record<string, string>;
  createdAt: Date;
  /** Null unless the collection expires (vector stores' `expires_after`, a conversation's retention). */
  expiresAt: Date | null;
  /** Vector stores' `expires_after` days after the last activity; null: no such rule. */
  expiresAfterDays: number | null;
  /** The last search of it or file added to it. */
  lastActiveAt: Date;
}

export type DocumentStatus = "in_progress" | "completed" | "failed";

export interface DocumentRecord {
  id: string;
  collectionId: string;
  filename: string;
  format: DocumentFormat | null;
  bytes: number;
  pages: number | null;
  chunks: number;
  status: DocumentStatus;
  /** Why it failed, in words fit for the user (never the document's content). */
  error: { code: string; message: string } | null;
  /** The /v1/files id it came from, when added through the API. */
  fileId: string | null;
  attributes: Record<string, string | number | boolean>;
  /** How its text was cut into passages. */
  chunking: ChunkingOptions;
  createdAt: Date;
}

export type SearchMode = "hybrid" | "vector" | "keyword";

export interface SearchRequest {
  collectionIds: readonly string[];
  query: string;
  /** At most this many hits (default 10, at most 50). */
  limit?: number;
  mode?: SearchMode;
  /** Hits scoring below this are dropped (0 to 1 after fusion). */
  minScore?: number;
  /** Only these documents' passages are ranked (an attribute filter's matches); all when absent. */
  documentIds?: ReadonlySet<string>;
}

export interface SearchHit {
  collectionId: string;
  documentId: string;
  filename: string;
  chunk: DocumentChunk;
  /** Fused score, 0 to 1, higher is better. */
  score: number;
}

export interface NewCollection {
  owner: CollectionOwner;
  name: string;
  metadata?: Record<string, string>;
  /** Defaults to the organisation's embedding model setting. */
  embeddingModel?: string;
  expiresAt?: Date | null;
  /** Expires this many days after its last activity (a vector store's `expires_after`); wins over `expiresAt`. */
  expiresAfterDays?: number | null;
}

export interface CollectionChange {
  name?: string;
  metadata?: Record<string, string>;
  expiresAt?: Date | null;
  /** A number: expires that many days after its last activity (from now); null: never expires. */
  expiresAfterDays?: number | null;
}

/** Told the tokens of each embedding call made for a caller (their usage meter); never the texts. */
export type EmbeddingMeter = (model: string, promptTokens: number) => void;

export type FileBatchStatus = "in_progress" | "completed" | "cancelled" | "failed";

/** One file of a vector store's file batch: its /v1 file id, how it went, and why not (a code only). */
export interface FileBatchEntry {
  fileId: string;
  status: "in_progress" | "completed" | "failed" | "cancelled";
  code: string | null;
}

export interface FileBatch {
  id: string;
  collectionId: string;
  status: FileBatchStatus;
  files: FileBatchEntry[];
  createdAt: Date;
}

/** Vector stores' file batches: the records only (the /v1 route adds each file as it goes). */
export interface FileBatches {
  /** Owners only; every file starts in progress. */
  create(reader: Reader, collectionId: string, fileIds: readonly string[]): Promise<FileBatch>;
  get(reader: Reader, collectionId: string, batchId: string): Promise<FileBatch>;
  /** Files not yet added are cancelled; a batch already finished is returned as it is. */
  cancel(reader: Reader, collectionId: string, batchId: string): Promise<FileBatch>;
  /** Records how one file went; false when the batch was cancelled meanwhile (stop adding). */
  settle(batchId: string, entry: FileBatchEntry): Promise<boolean>;
  /** Closes the batch (completed, or failed when every file failed) unless it was cancelled. */
  finish(batchId: string): Promise<FileBatch>;
}

export interface NewDocument {
  filename: string;
  content: Buffer;
  /** The client's media type, a hint only: the format is decided from the bytes and the name. */
  mediaType?: string;
  fileId?: string;
  attributes?: Record<string, string | number | boolean>;
  /** How its text is cut into passages; the default unless given (a vector store file's `static` strategy). */
  chunking?: ChunkingOptions;
}

/**
 * The documents domain's service. Every call is scoped by the reader's organisation and checks the
 * reader's right to the collection; another organisation's id, or one the reader may not see, is simply
 * not found (404). `actor` is what the audit log records (a user id or an API key id).
 */
export interface DocumentLibrary {
  createCollection(reader: Reader, input: NewCollection, actor: string): Promise<Collection>;
  listCollections(reader: Reader): Promise<Collection[]>;
  getCollection(reader: Reader, collectionId: string): Promise<Collection>;
  updateCollection(
    reader: Reader,
    collectionId: string,
    change: CollectionChange,
    actor: string,
  ): Promise<Collection>;
  /** Owners only. Replaces the list of groups that may read the collection. */
  shareCollection(
    reader: Reader,
    collectionId: string,
    groupIds: string[],
    actor: string,
  ): Promise<Collection>;
  /** Destroys the collection's key at once; its rows and blobs are purged physically after. */
  deleteCollection(reader: Reader, collectionId: string, actor: string): Promise<void>;
  /**
   * Extracts, chunks, embeds and seals one document. Bad input (unsupported, encrypted, corrupt, too
   * large) is refused with a 400 before anything is stored; a failure later leaves nothing half-stored.
   */
  addDocument(
    reader: Reader,
    collectionId: string,
    document: NewDocument,
    actor: string,
    usage?: EmbeddingMeter,
  ): Promise<DocumentRecord>;
  listDocuments(reader: Reader, collectionId: string): Promise<DocumentRecord[]>;
  getDocument(reader: Reader, collectionId: string, documentId: string): Promise<DocumentRecord>;
  /** One document's extracted text, block by block (a vector store file's `content`). */
  readExtracted(reader: Reader, collectionId: string, documentId: string): Promise<ExtractedDocument>;
  /** The extracted passages of one document, in order (for exports and the citation view). */
  readChunks(reader: Reader, collectionId: string, documentId: string): Promise<DocumentChunk[]>;
  deleteDocument(reader: Reader, collectionId: string, documentId: string, actor: string): Promise<void>;
  /** Hybrid search over the collections the reader may read; any other id is a 404. */
  search(reader: Reader, request: SearchRequest, usage?: EmbeddingMeter): Promise<SearchHit[]>;
  /** Changes a document's attributes (sealed like its name). */
  updateAttributes(
    reader: Reader,
    collectionId: string,
    documentId: string,
    attributes: Record<string, string | number | boolean>,
    actor: string,
  ): Promise<DocumentRecord>;
  /** Vector stores' file batches. */
  readonly batches: FileBatches;
}
