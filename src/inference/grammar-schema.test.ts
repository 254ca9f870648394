// JSON Schema to node-llama-cpp's grammar subset: what converts, and what is refused with a 400
// naming the parameter (the grammar could not enforce it, so the output could break it).
import { describe, expect, it } from "vitest";
import { toGrammarSchema } from "./grammar-schema.ts";

describe("toGrammarSchema", () => {
  it("keeps what the grammar enforces and drops annotations", () => {
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "T",
      type: "object",
      properties: {
        name: { type: "string", maxLength: 5, description: "a name" },
        nick: { anyOf: [{ type: "string" }, { type: "null" }] },
        size: { type: ["integer", "null"] },
        when: { type: "string", format: "date" },
        item: { $ref: "#/definitions/item" },
      },
      required: ["name"],
      additionalProperties: false,
      definitions: { item: { type: "array", items: { enum: ["a", 1, null] }, maxItems: 2 } },
    };
    expect(toGrammarSchema(schema, "p")).toEqual({
      type: "object",
      properties: {
        name: { type: "string", maxLength: 5, description: "a name" },
        nick: { oneOf: [{ type: "string" }, { type: "null" }] },
        size: { oneOf: [{ type: "integer" }, { type: "null" }] },
        when: { type: "string", format: "date" },
        item: { $ref: "#/$defs/item" },
      },
      $defs: { item: { type: "array", items: { enum: ["a", 1, null] }, maxItems: 2 } },
    });
  });

  it("refuses what it cannot enforce, naming the parameter and the keyword's place", () => {
    const cases: Array<[unknown, string]> = [
      [{ type: "string", pattern: "^a" }, "p.pattern"],
      [{ type: "object", properties: { n: { type: "number", minimum: 1 } } }, "p.properties.n.minimum"],
      [{ type: "string", format: "email" }, "p.format"],
      [{ type: "object", properties: { self: { $ref: "#" } } }, "p.properties.self.$ref"],
      [{ type: "thing" }, "p.type"],
      [{ allOf: [] }, "p.allOf"],
      [{ properties: {} }, "p"],
      ["object", "p"],
    ];
    for (const [schema, where] of cases) {
      let caught: unknown;
      try {
        toGrammarSchema(schema, "p");
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ status: 400, type: "invalid_request_error", param: "p" });
      expect((caught as Error).message).toContain(`'${where}'`);
    }
  });
});
