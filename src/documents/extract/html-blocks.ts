// HTML parsed with parse5 into sections: each h1-h6 starts one, block elements end paragraphs, and
// script, style and other non-text elements are dropped. DOCX arrives here as mammoth's HTML.
import { parse, type DefaultTreeAdapterTypes as Tree } from "parse5";
import type { ExtractedBlock } from "../document-types.ts";

const dropped = new Set([
  "head",
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "math",
  "iframe",
  "object",
  "canvas",
  "select",
]);
const headings = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);
const blocks = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "dd",
  "details",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "header",
  "hr",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tbody",
  "thead",
  "tfoot",
  "tr",
  "ul",
  "caption",
]);
const cells = new Set(["td", "th"]);

const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

class SectionWriter {
  readonly blocks: ExtractedBlock[] = [];
  #heading: string | null = null;
  #paragraphs: string[] = [];
  #current = "";

  text(value: string): void {
    this.#current += value;
  }

  endParagraph(): void {
    const lines = this.#current
      .split("\n")
      .map(collapse)
      .filter((line) => line !== "");
    if (lines.length > 0) this.#paragraphs.push(lines.join("\n"));
    this.#current = "";
  }

  startSection(heading: string): void {
    this.endSection();
    this.#heading = heading === "" ? this.#heading : heading;
  }

  endSection(): void {
    this.endParagraph();
    if (this.#paragraphs.length > 0)
      this.blocks.push({ text: this.#paragraphs.join("\n\n"), page: null, heading: this.#heading });
    this.#paragraphs = [];
  }
}

function textContent(node: Tree.ParentNode): string {
  let text = "";
  for (const child of node.childNodes) {
    if (child.nodeName === "#text") text += (child as Tree.TextNode).value;
    else if ("childNodes" in child && !dropped.has(child.nodeName)) text += ` ${textContent(child)} `;
  }
  return text;
}

function walk(node: Tree.ParentNode, writer: SectionWriter, preformatted: boolean): void {
  for (const child of node.childNodes) {
    const name = child.nodeName;
    if (name === "#text") {
      const value = (child as Tree.TextNode).value;
      writer.text(preformatted ? value : value.replace(/\s+/g, " "));
    } else if (name === "br") {
      writer.text("\n");
    } else if (headings.has(name)) {
      writer.startSection(collapse(textContent(child as Tree.Element)));
    } else if ("childNodes" in child && !dropped.has(name)) {
      const block = blocks.has(name);
      if (block) writer.endParagraph();
      if (cells.has(name)) writer.text("\t");
      walk(child, writer, preformatted || name === "pre");
      if (block) writer.endParagraph();
    }
  }
}

/** The sections of an HTML document, in order; text before the first heading has no heading. */
export function htmlBlocks(html: string): ExtractedBlock[] {
  const writer = new SectionWriter();
  walk(parse(html), writer, false);
  writer.endSection();
  return writer.blocks;
}
