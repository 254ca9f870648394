// Structure-aware chunking (issue 20): chunks never span two pages or sections, are cut at paragraphs,
// then sentences, then words, near the target size, and overlap only within their section.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkDocument } from "./chunk-document.ts";
import type { ExtractedBlock, ExtractedDocument } from "./document-types.ts";

const document = (blocks: ExtractedBlock[]): ExtractedDocument => ({ format: "text", pages: null, blocks });
const block = (text: string, page: number | null = null, heading: string | null = null): ExtractedBlock => ({
  text,
  page,
  heading,
});
const sentence = (word: string) => `The ${word} sentence has exactly eight words here.`;

describe("chunkDocument", () => {
  it("keeps each page and section apart, even when they are small", () => {
    const chunks = chunkDocument(
      document([
        block("Page one text.", 1, "Intro"),
        block("Page two text.", 2, "Intro"),
        block("More.", 2, "Next"),
      ]),
    );
    expect(chunks).toEqual([
      { index: 0, text: "Page one text.", page: 1, section: "Intro" },
      { index: 1, text: "Page two text.", page: 2, section: "Intro" },
      { index: 2, text: "More.", page: 2, section: "Next" },
    ]);
  });

  it("joins consecutive blocks of one section, and packs whole paragraphs", () => {
    const paragraphs = ["alpha ".repeat(10).trim(), "beta ".repeat(10).trim(), "gamma ".repeat(10).trim()];
    const chunks = chunkDocument(
      document([block(`${paragraphs[0]}\n\n${paragraphs[1]}`, 3, "S"), block(paragraphs[2]!, 3, "S")]),
      { maxCharacters: 130, overlapCharacters: 0 },
    );
    expect(chunks.map((chunk) => chunk.text)).toEqual([
      `${paragraphs[0]}\n\n${paragraphs[1]}`,
      paragraphs[2],
    ]);
    expect(chunks.every((chunk) => chunk.page === 3 && chunk.section === "S")).toBe(true);
  });

  it("cuts a long paragraph at sentence ends, a long sentence at words", () => {
    const paragraph = ["first", "second", "third", "fourth"].map(sentence).join(" ");
    const bySentence = chunkDocument(document([block(paragraph)]), {
      maxCharacters: 110,
      overlapCharacters: 0,
    });
    expect(bySentence.map((chunk) => chunk.text)).toEqual([
      `${sentence("first")} ${sentence("second")}`,
      `${sentence("third")} ${sentence("fourth")}`,
    ]);
    const longSentence = `${"word ".repeat(60).trim()}.`;
    const byWord = chunkDocument(document([block(longSentence)]), {
      maxCharacters: 52,
      overlapCharacters: 0,
    });
    expect(byWord.length).toBeGreaterThan(1);
    for (const chunk of byWord) {
      expect(chunk.text.length).toBeLessThanOrEqual(52);
      expect(chunk.text).toMatch(/^word( word)*\.?$/);
    }
  });

  it("repeats the end of the previous chunk within a section, never across sections", () => {
    const text = ["one", "two", "three", "four"].map(sentence).join(" ");
    const chunks = chunkDocument(document([block(text, 1, "A"), block(sentence("other"), 1, "B")]), {
      maxCharacters: 120,
      overlapCharacters: 40,
    });
    const inA = chunks.filter((chunk) => chunk.section === "A");
    expect(inA.length).toBeGreaterThan(1);
    for (let index = 1; index < inA.length; index += 1) {
      const start = inA[index]!.text.slice(0, 20);
      expect(inA[index - 1]!.text).toContain(start);
    }
    expect(chunks.find((chunk) => chunk.section === "B")!.text).toBe(sentence("other"));
    // Positive control: without overlap, no chunk starts with the previous one's words.
    const plain = chunkDocument(document([block(text, 1, "A")]), {
      maxCharacters: 120,
      overlapCharacters: 0,
    });
    expect(plain[0]!.text).not.toContain(plain[1]!.text.slice(0, 20));
  });

  it("never exceeds the size, loses no word, keeps order, and keeps each chunk in one block's place", () => {
    const word = fc.stringMatching(/^[a-z]{1,12}[.!?,]?$/);
    const paragraph = fc.array(word, { minLength: 1, maxLength: 80 }).map((words) => words.join(" "));
    const blockArbitrary = fc.record({
      text: fc.array(paragraph, { minLength: 1, maxLength: 5 }).map((paragraphs) => paragraphs.join("\n\n")),
      page: fc.option(fc.integer({ min: 1, max: 3 })),
      heading: fc.option(fc.constantFrom("Intro", "Body", "End")),
    });
    const options = fc.record({
      maxCharacters: fc.integer({ min: 20, max: 400 }),
      overlapCharacters: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(blockArbitrary, { minLength: 1, maxLength: 6 }), options, (blocks, chosen) => {
        const chunks = chunkDocument(document(blocks), chosen);
        const words = (text: string) => text.split(/\s+/).filter((item) => item !== "");
        for (const chunk of chunks) {
          expect(chunk.text.length).toBeLessThanOrEqual(chosen.maxCharacters);
          expect(chunk.text.trim()).not.toBe("");
          expect(blocks.some((item) => item.page === chunk.page && item.heading === chunk.section)).toBe(
            true,
          );
        }
        expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, index) => index));
        // Without overlap, the chunks' words are the document's words, in order (words longer than the
        // size are the only ones cut, and none are generated here).
        const exact = chunkDocument(document(blocks), {
          maxCharacters: chosen.maxCharacters,
          overlapCharacters: 0,
        });
        expect(exact.flatMap((chunk) => words(chunk.text))).toEqual(
          blocks.flatMap((item) => words(item.text)),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("cuts a word longer than the size where it must", () => {
    const chunks = chunkDocument(document([block("x".repeat(25))]), {
      maxCharacters: 10,
      overlapCharacters: 3,
    });
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(10);
    expect(chunks.map((chunk) => chunk.text.replaceAll(" ", "")).join("")).toBe("x".repeat(25));
  });
});
