// DOCX with mammoth: Word's heading styles become <h1>..<h6> in its HTML, which html-blocks.ts cuts
// into sections. Images are never read.
import mammoth from "mammoth";
import type { ExtractedDocument } from "../document-types.ts";
import { htmlBlocks } from "./html-blocks.ts";
import type { ZipArchive } from "./zip-archive.ts";

const noImages = mammoth.images.imgElement(() => Promise.resolve({ src: "" }));

export async function readDocx(archive: ZipArchive): Promise<ExtractedDocument> {
  const { value } = await mammoth.convertToHtml({ buffer: archive.rewritten() }, { convertImage: noImages });
  return { format: "docx", pages: null, blocks: htmlBlocks(value) };
}
