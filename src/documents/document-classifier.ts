// The organisation's classifiers over each stored document (issue 20, API-3): after a chat attachment, a
// knowledge upload or a vector-store file is stored, off the request's path, its passages are read back
// (sealed text, opened in memory) and classified one by one; only metadata is kept: the classifier's
// name, whether it flagged, the categories that applied with their highest scores, and how many passages
// there were and how many flagged. Never a word of the document, in the row, the logs or an error.
import type { Logger } from "pino";
import { BackgroundQueue, errorFields } from "../core/background-queue.ts";
import type { Db } from "../db/database.ts";
import { mergeClassifications, type Classification, type Classifier } from "../privacy/classifier.ts";
import type { DocumentChunk, Reader } from "./document-types.ts";
import "./document-classifications-table.ts";

/** Documents waiting beyond this are not classified (counted and logged): memory must stay bounded. */
const maxQueued = 10_000;

/** One stored document, as the reader who stored it may read it back. */
export interface StoredDocument {
  reader: Reader;
  collectionId: string;
  documentId: string;
}

export interface DocumentClassification {
  classifier: string;
  flagged: boolean;
  categories: string[];
  scores: Record<string, number>;
  passages: number;
  flaggedPassages: number;
}

export class DocumentClassifier {
  readonly #db: Db;
  readonly #classifiers: readonly Classifier[];
  readonly #read: (document: StoredDocument) => Promise<DocumentChunk[]>;
  readonly #queue: BackgroundQueue<StoredDocument>;

  constructor(dependencies: {
    db: Db;
    classifiers: readonly Classifier[];
    logger: Logger;
    /** The document's passages, opened for the reader who stored it. */
    read: (document: StoredDocument) => Promise<DocumentChunk[]>;
  }) {
    this.#db = dependencies.db;
    this.#classifiers = dependencies.classifiers;
    this.#read = dependencies.read;
    const { logger } = dependencies;
    this.#queue = new BackgroundQueue({
      maxQueued,
      batchSize: 1,
      delayMs: 0,
      handle: ([document]) => (document ? this.#classify(document) : Promise.resolve()),
      failed: (error, [document]) =>
        logger.warn(
          { document: document?.documentId, ...errorFields(error) },
          "could not classify a document",
        ),
      dropped: (count) => logger.warn({ dropped: count }, "documents not classified: queue full"),
    });
  }

  /** Classify a document that was just stored; returns at once. */
  stored(document: StoredDocument): void {
    if (this.#classifiers.length > 0) this.#queue.push(document);
  }

  /** Resolves when every document queued so far is classified (tests; shutdown). */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  async #classify(document: StoredDocument): Promise<void> {
    const chunks = await this.#read(document);
    const perPassage: Classification[] = [];
    for (const chunk of chunks) {
      const results: Classification[] = [];
      for (const classifier of this.#classifiers) results.push(await classifier.classify(chunk.text));
      perPassage.push(mergeClassifications(this.#name(), results));
      // Long documents yield between passages, so classifying never holds the event loop for long.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const merged = mergeClassifications(this.#name(), perPassage);
    await this.#db
      .insertInto("document_classifications")
      .values({
        document_id: document.documentId,
        organization_id: document.reader.organizationId,
        collection_id: document.collectionId,
        classifier: merged.classifier,
        flagged: merged.flagged,
        categories: JSON.stringify(
          Object.entries(merged.categories)
            .filter(([, on]) => on)
            .map(([category]) => category),
        ),
        scores: JSON.stringify(merged.scores),
        passages: chunks.length,
        flagged_passages: perPassage.filter((result) => result.flagged).length,
      })
      // A document stored twice under one id cannot happen; a retry of the same one keeps the first.
      .onConflict((conflict) => conflict.column("document_id").doNothing())
      .execute();
  }

  #name(): string {
    return this.#classifiers.map((classifier) => classifier.name).join("+");
  }

  /** What the classifiers found in a document of the organisation; null before (or without) it. */
  async classification(organizationId: string, documentId: string): Promise<DocumentClassification | null> {
    const row = await this.#db
      .selectFrom("document_classifications")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("document_id", "=", documentId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      classifier: row.classifier,
      flagged: row.flagged,
      categories: JSON.parse(row.categories) as string[],
      scores: JSON.parse(row.scores) as Record<string, number>,
      passages: row.passages,
      flaggedPassages: row.flagged_passages,
    };
  }
}
