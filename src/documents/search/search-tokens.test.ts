import { describe, expect, it } from "vitest";
import { searchTokens, searchWords, stem } from "./search-tokens.ts";

describe("searchTokens", () => {
  it("folds case and accents, drops function words and keeps digits", () => {
    expect(searchTokens("The CAFÉ in Straße opened in 2024")).toEqual(searchTokens("cafe strasse open 2024"));
    expect(searchTokens("the of and")).toEqual([]);
    expect(searchTokens("2024")).toEqual(["2024"]);
  });

  it("brings the usual English forms of a word to one stem", () => {
    for (const [left, right] of [
      ["policies", "policy"],
      ["renewed", "renewal"],
      ["approved", "approval"],
      ["running", "run"],
      ["payments", "pay"],
      ["security", "secure"],
    ] as const)
      expect(stem(left), `${left} ~ ${right}`).toBe(stem(right));
  });

  it("keeps words of other scripts whole, and splits unspaced scripts into pairs", () => {
    expect(searchTokens("Привет мир")).toEqual(["привет", "мир"]);
    expect(searchTokens("東京都")).toEqual(["東京", "京都"]);
    expect(searchTokens("価格表price")).toEqual(["価格", "格表", "pric"]);
    expect(searchTokens("नमस्ते")).toEqual(["नमस्ते"]);
  });

  it("reads possessives and contractions as one word", () => {
    expect(searchTokens("the company’s")).toEqual(searchTokens("company"));
    expect(searchTokens("don't")).toEqual(["dont"]);
  });
});

describe("searchWords", () => {
  it("finds the same words in ASCII text by its scanner as the Unicode path does", () => {
    const text = "It's 2024: DON'T re-open O'Brien's file 42b, x'1 'quoted' end'";
    // The same text with one non-ASCII character takes the Unicode path.
    expect(searchWords(text)).toEqual(searchWords(`${text} é`).slice(0, -1));
    expect(searchWords(text)).toEqual([
      "it's",
      "2024",
      "don't",
      "re",
      "open",
      "o'brien's",
      "file",
      "42b",
      "x",
      "1",
      "quoted",
      "end",
    ]);
  });
});
