// Attribute filters (OpenAI's comparison and compound filters): what each operator matches, and the
// 400 a malformed filter gets, naming the part that is wrong.
import { describe, expect, it } from "vitest";
import { CustodianError } from "../../core/errors.ts";
import { matchesAttributes, matchingDocuments, parseAttributeFilter } from "./attribute-filter.ts";

const document = { team: "legal", year: 2024, public: false, code: "b-7" };
const matches = (filter: unknown) => matchesAttributes(parseAttributeFilter(filter, "filters"), document);

function refusal(filter: unknown): { status: number; param: string | null } {
  try {
    parseAttributeFilter(filter, "filters");
  } catch (error) {
    if (!(error instanceof CustodianError)) throw error;
    return { status: error.status, param: error.param };
  }
  throw new Error("the filter was accepted");
}

describe("attribute filters", () => {
  it("compares one key with each operator", () => {
    expect(matches({ type: "eq", key: "team", value: "legal" })).toBe(true);
    expect(matches({ type: "eq", key: "team", value: "sales" })).toBe(false);
    expect(matches({ type: "ne", key: "team", value: "sales" })).toBe(true);
    expect(matches({ type: "eq", key: "public", value: false })).toBe(true);
    expect(matches({ type: "gt", key: "year", value: 2023 })).toBe(true);
    expect(matches({ type: "gt", key: "year", value: 2024 })).toBe(false);
    expect(matches({ type: "gte", key: "year", value: 2024 })).toBe(true);
    expect(matches({ type: "lt", key: "year", value: 2024 })).toBe(false);
    expect(matches({ type: "lte", key: "year", value: 2024 })).toBe(true);
    expect(matches({ type: "lt", key: "code", value: "c" })).toBe(true);
    expect(matches({ type: "in", key: "team", value: ["sales", "legal"] })).toBe(true);
    expect(matches({ type: "in", key: "year", value: [2023] })).toBe(false);
    expect(matches({ type: "nin", key: "team", value: ["sales"] })).toBe(true);
    expect(matches({ type: "nin", key: "team", value: ["legal"] })).toBe(false);
  });

  it("never equates or orders values of different types", () => {
    expect(matches({ type: "eq", key: "year", value: "2024" })).toBe(false);
    expect(matches({ type: "gt", key: "year", value: "2000" })).toBe(false);
    expect(matches({ type: "lt", key: "year", value: "3000" })).toBe(false);
    expect(matches({ type: "in", key: "year", value: ["2024"] })).toBe(false);
  });

  it("a missing key matches only ne and nin", () => {
    expect(matches({ type: "eq", key: "region", value: "eu" })).toBe(false);
    expect(matches({ type: "gte", key: "region", value: 0 })).toBe(false);
    expect(matches({ type: "in", key: "region", value: ["eu"] })).toBe(false);
    expect(matches({ type: "ne", key: "region", value: "eu" })).toBe(true);
    expect(matches({ type: "nin", key: "region", value: ["eu"] })).toBe(true);
    // An inherited property is not an attribute.
    expect(matches({ type: "ne", key: "constructor", value: "x" })).toBe(true);
  });

  it("combines filters with and / or, nested", () => {
    const legal = { type: "eq", key: "team", value: "legal" };
    const old = { type: "lt", key: "year", value: 2020 };
    expect(matches({ type: "and", filters: [legal, old] })).toBe(false);
    expect(matches({ type: "or", filters: [legal, old] })).toBe(true);
    expect(
      matches({
        type: "and",
        filters: [legal, { type: "or", filters: [old, { type: "eq", key: "public", value: false }] }],
      }),
    ).toBe(true);
  });

  it("picks the ids of the documents that match", () => {
    const filter = parseAttributeFilter({ type: "eq", key: "team", value: "legal" }, "filters");
    const picked = matchingDocuments(filter, [
      { id: "a", attributes: { team: "legal" } },
      { id: "b", attributes: { team: "sales" } },
      { id: "c", attributes: {} },
    ]);
    expect([...picked]).toEqual(["a"]);
  });

  it("refuses a malformed filter with a 400 naming the wrong part", () => {
    expect(refusal("team=legal")).toEqual({ status: 400, param: "filters" });
    expect(refusal({ type: "like", key: "team", value: "l%" })).toEqual({
      status: 400,
      param: "filters.type",
    });
    expect(refusal({ type: "eq", value: "legal" })).toEqual({ status: 400, param: "filters.key" });
    expect(refusal({ type: "eq", key: "team", value: { nested: true } })).toEqual({
      status: 400,
      param: "filters.value",
    });
    expect(refusal({ type: "gt", key: "year", value: true })).toEqual({
      status: 400,
      param: "filters.value",
    });
    expect(refusal({ type: "in", key: "team", value: [] })).toEqual({ status: 400, param: "filters.value" });
    expect(refusal({ type: "and", filters: [] })).toEqual({ status: 400, param: "filters.filters" });
    expect(
      refusal({
        type: "or",
        filters: [
          { type: "eq", key: "a", value: 1 },
          { type: "ne", key: "b" },
        ],
      }),
    ).toEqual({ status: 400, param: "filters.filters[1].value" });
  });

  it("bounds a filter's depth and size", () => {
    let deep: unknown = { type: "eq", key: "a", value: 1 };
    for (let level = 0; level < 6; level++) deep = { type: "and", filters: [deep] };
    expect(refusal(deep).status).toBe(400);
    const wide = {
      type: "or",
      filters: Array.from({ length: 51 }, (_, index) => ({ type: "eq", key: "a", value: index })),
    };
    expect(refusal(wide)).toEqual({ status: 400, param: "filters" });
    const long = { type: "in", key: "a", value: Array.from({ length: 101 }, (_, index) => index) };
    expect(refusal(long)).toEqual({ status: 400, param: "filters.value" });
  });
});
