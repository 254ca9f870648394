// PPTX: the slides in the deck's order (presentation.xml's slide list through its relationships), one
// block per slide, headed by the slide's title placeholder; the other shapes' paragraphs are its text.
import type { Element } from "@xmldom/xmldom";
import type { ExtractedBlock, ExtractedDocument } from "../document-types.ts";
import type { ReadLimits } from "./read-limits.ts";
import { relationshipTargets } from "./relationships.ts";
import { attribute, childElements, descendants, parseXml, relationshipId, runText } from "./xml-tree.ts";
import type { ZipArchive } from "./zip-archive.ts";
import { fail } from "./extraction-failure.ts";

const titleTypes = new Set(["title", "ctrTitle"]);

function isTitle(shape: Element): boolean {
  return descendants(shape, "ph").some((placeholder) => titleTypes.has(attribute(placeholder, "type") ?? ""));
}

function paragraphs(shape: Element): string[] {
  return descendants(shape, "p")
    .map((paragraph) => runText(paragraph).trim())
    .filter((text) => text !== "");
}

export function readPptx(archive: ZipArchive, limits: ReadLimits): ExtractedDocument {
  const presentation = parseXml(archive.text("ppt/presentation.xml") ?? fail("corrupt"));
  const targets = relationshipTargets(archive, "ppt/presentation.xml");
  const slideIds = descendants(presentation, "sldId");
  const blocks: ExtractedBlock[] = [];
  slideIds.slice(0, limits.maxPages).forEach((slideId, index) => {
    const part = targets.get(relationshipId(slideId));
    const xml = part === undefined ? null : archive.text(part);
    if (xml === null) return;
    const slide = parseXml(xml);
    const shapes = descendants(slide, "sp");
    const title = shapes.filter(isTitle).flatMap(paragraphs).join(" ") || null;
    const body = shapes.filter((shape) => !isTitle(shape)).flatMap(paragraphs);
    // Tables' cells (graphic frames) are text too.
    const tables = descendants(slide, "tbl").flatMap((table) =>
      childElements(table, "tr").map((row) => childElements(row, "tc").map(runText).join("\t")),
    );
    const text = [...body, ...tables].join("\n\n");
    if (text !== "" || title !== null)
      blocks.push({ text: text || (title ?? ""), page: index + 1, heading: title });
  });
  return { format: "pptx", pages: slideIds.length, blocks };
}
