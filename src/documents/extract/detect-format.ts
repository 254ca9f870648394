// Which reader a document goes to, decided from its bytes first and its name second; the client's
// media type only breaks a tie between text formats. A name that claims a binary format the bytes do
// not bear out is a damaged file.
import type { DocumentFormat } from "../document-types.ts";
import { fail } from "./extraction-failure.ts";

const cfbMagic = Buffer.from("d0cf11e0a1b11ae1", "hex");
const zipMagic = Buffer.from("504b0304", "hex");
const emptyZipMagic = Buffer.from("504b0506", "hex");
const encryptionInfo = Buffer.from("EncryptionInfo", "utf16le");

/** Formats recognised by their first bytes that no reader here takes (images, archives, media, programs). */
const binaryMagic = [
  "89504e47",
  "ffd8ff",
  "474946383961",
  "474946383761",
  "1f8b",
  "7f454c46",
  "377abcaf271c",
  "526172211a07",
  "49443303",
  "1a45dfa3",
  "cafebabe",
].map((hex) => Buffer.from(hex, "hex"));

const officeExtensions: Record<string, DocumentFormat> = { docx: "docx", pptx: "pptx", xlsx: "xlsx" };
const textExtensions: Record<string, DocumentFormat> = {
  html: "html",
  htm: "html",
  xhtml: "html",
  md: "markdown",
  markdown: "markdown",
  mdx: "markdown",
  csv: "csv",
  tsv: "csv",
};
const textMediaTypes: Record<string, DocumentFormat> = {
  "text/html": "html",
  "application/xhtml+xml": "html",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/csv": "csv",
  "text/tab-separated-values": "csv",
};

export const extensionOf = (filename: string) => /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? "";

export type Detected = DocumentFormat | "zip";

export function detectFormat(content: Buffer, filename: string, mediaType?: string): Detected {
  const extension = extensionOf(filename);
  if (content.subarray(0, 1024).includes("%PDF-")) return "pdf";
  if (content.subarray(0, 4).equals(zipMagic) || content.subarray(0, 4).equals(emptyZipMagic)) return "zip";
  if (content.subarray(0, 8).equals(cfbMagic)) {
    // Office keeps a password-protected DOCX, PPTX or XLSX in a compound file with an EncryptionInfo
    // stream; any other compound file is a legacy format (.doc, .xls, .ppt, .msg) not read here.
    if (content.includes(encryptionInfo) || extension in officeExtensions) return fail("encrypted");
    return fail("unsupported");
  }
  if (extension === "pdf" || extension in officeExtensions) return fail("corrupt");
  if (binaryMagic.some((magic) => content.subarray(0, magic.length).equals(magic)))
    return fail("unsupported");
  const byName = textExtensions[extension];
  if (byName !== undefined) return byName;
  const head = content.subarray(0, 512).toString("latin1").trimStart().toLowerCase();
  if (head.startsWith("<!doctype html") || head.startsWith("<html")) return "html";
  return textMediaTypes[(mediaType ?? "").split(";")[0]!.trim().toLowerCase()] ?? "text";
}

/** The Office format a zip holds, from the main part it has. */
export function officeFormat(names: ReadonlySet<string>): DocumentFormat {
  if (names.has("word/document.xml")) return "docx";
  if (names.has("ppt/presentation.xml")) return "pptx";
  if (names.has("xl/workbook.xml")) return "xlsx";
  return fail("unsupported");
}
