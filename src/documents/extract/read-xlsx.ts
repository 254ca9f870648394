// XLSX: one block per sheet, in the workbook's order and headed by the sheet's name; each row is a
// line of its cells' values (shared strings looked up, inline strings, numbers, booleans as TRUE/FALSE).
import type { Element } from "@xmldom/xmldom";
import type { ExtractedBlock, ExtractedDocument } from "../document-types.ts";
import { fail } from "./extraction-failure.ts";
import type { ReadLimits } from "./read-limits.ts";
import { relationshipTargets } from "./relationships.ts";
import { attribute, childElements, descendants, parseXml, relationshipId, runText } from "./xml-tree.ts";
import type { ZipArchive } from "./zip-archive.ts";

function sharedStrings(archive: ZipArchive): string[] {
  const xml = archive.text("xl/sharedStrings.xml");
  return xml === null ? [] : childElements(parseXml(xml), "si").map(runText);
}

function cellValue(cell: Element, strings: readonly string[]): string {
  const type = attribute(cell, "t");
  if (type === "inlineStr") return runText(cell);
  const value = childElements(cell, "v")[0]?.textContent ?? "";
  if (type === "s") return strings[Number(value)] ?? "";
  if (type === "b") return value === "1" ? "TRUE" : "FALSE";
  return value;
}

function sheetLines(xml: string, strings: readonly string[], maxCharacters: number): string[] {
  const lines: string[] = [];
  let characters = 0;
  for (const row of descendants(parseXml(xml), "row")) {
    const line = childElements(row, "c")
      .map((cell) => cellValue(cell, strings).replace(/\s+/g, " ").trim())
      .filter((value) => value !== "")
      .join("\t");
    if (line === "") continue;
    lines.push(line);
    characters += line.length + 1;
    if (characters > maxCharacters) break;
  }
  return lines;
}

export function readXlsx(archive: ZipArchive, limits: ReadLimits): ExtractedDocument {
  const workbook = parseXml(archive.text("xl/workbook.xml") ?? fail("corrupt"));
  const targets = relationshipTargets(archive, "xl/workbook.xml");
  const strings = sharedStrings(archive);
  const sheets = descendants(workbook, "sheet");
  const blocks: ExtractedBlock[] = [];
  let characters = 0;
  sheets.slice(0, limits.maxPages).forEach((sheet, index) => {
    const part = targets.get(relationshipId(sheet));
    const xml = part === undefined || characters > limits.maxCharacters ? null : archive.text(part);
    if (xml === null) return;
    const text = sheetLines(xml, strings, limits.maxCharacters).join("\n");
    characters += text.length;
    if (text !== "") blocks.push({ text, page: index + 1, heading: attribute(sheet, "name") });
  });
  return { format: "xlsx", pages: sheets.length, blocks };
}
