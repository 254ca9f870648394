// The document library whose every stored document is handed to the organisation's classifiers (issue
// 20, API-3): chat attachments, knowledge uploads and vector-store files all arrive through addDocument,
// so this one place sees them all. Classification runs after the document is stored, off the request.
import type { Logger } from "pino";
import type { Classifier } from "../privacy/classifier.ts";
import type { DocumentRecord } from "./document-types.ts";
import { DocumentClassifier } from "./document-classifier.ts";
import {
  DocumentLibraryService,
  type DocumentLibraryDependencies,
} from "./library/document-library-service.ts";

export class ClassifiedDocumentLibrary extends DocumentLibraryService {
  /** The classifiers' metadata of stored documents (and `flush()`, for shutdown and tests). */
  readonly classifier: DocumentClassifier;

  constructor(
    dependencies: DocumentLibraryDependencies & { classifiers: readonly Classifier[]; logger: Logger },
  ) {
    super(dependencies);
    this.classifier = new DocumentClassifier({
      db: dependencies.db,
      classifiers: dependencies.classifiers,
      logger: dependencies.logger,
      read: (document) => this.readChunks(document.reader, document.collectionId, document.documentId),
    });
  }

  // Every argument passes through unchanged (the caller's usage meter included).
  override async addDocument(
    ...args: Parameters<DocumentLibraryService["addDocument"]>
  ): Promise<DocumentRecord> {
    const record = await super.addDocument(...args);
    const [reader, collectionId] = args;
    this.classifier.stored({ reader, collectionId, documentId: record.id });
    return record;
  }
}
