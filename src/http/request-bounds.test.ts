// The nesting check on raw JSON text: brackets inside strings and escaped quotes do not count, and
// the limit is exact.
import { describe, expect, it } from "vitest";
import { jsonDepthExceeds, requestBounds } from "./request-bounds.ts";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("jsonDepthExceeds", () => {
  it("[PLAT-3] allows exactly the limit and refuses one level more", () => {
    expect(jsonDepthExceeds(nested(requestBounds.jsonDepth), requestBounds.jsonDepth)).toBe(false);
    expect(jsonDepthExceeds(nested(requestBounds.jsonDepth + 1), requestBounds.jsonDepth)).toBe(true);
    expect(jsonDepthExceeds(`{"a":${nested(10_000)}}`, requestBounds.jsonDepth)).toBe(true);
    // Siblings do not add up: depth is nesting, not count.
    expect(jsonDepthExceeds(`[${Array(1000).fill("[{}]").join(",")}]`, 3)).toBe(false);
  });

  it("[PLAT-3] does not count brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ content: "[".repeat(500), quoted: 'say \\"[[[[\\" and {{{{' });
    expect(jsonDepthExceeds(text, 1)).toBe(false);
    // Positive control: the same brackets outside a string count.
    expect(jsonDepthExceeds(`{"content":${nested(2)}}`, 2)).toBe(true);
  });
});
