// What one reader may take from a document, handed to the extraction worker with the document.

export interface ReadLimits {
  /** The most pages, slides or sheets read. */
  maxPages: number;
  /** The most characters of text kept. */
  maxCharacters: number;
  /** The most bytes a zip-based document (DOCX, PPTX, XLSX) may declare its entries unpack to. */
  maxUnpackedBytes: number;
}
