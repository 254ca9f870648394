// Lazy route validators: nothing is compiled when the app becomes ready, a route's schema is compiled
// once, on its first request, and a bad request gets the same 400 as with Fastify's own compiler.
import ajvCompiler from "@fastify/ajv-compiler";
import fastify from "fastify";
import { describe, expect, it } from "vitest";
import { lazyValidators } from "./lazy-validators.ts";

const schema = {
  body: {
    type: "object",
    required: ["name"],
    properties: { name: { type: "string", maxLength: 5 } },
    additionalProperties: false,
  },
};

async function appWith(buildValidator?: ReturnType<typeof ajvCompiler>) {
  const app = fastify(buildValidator ? { schemaController: { compilersFactory: { buildValidator } } } : {});
  app.post("/a", { schema }, async (request) => request.body);
  app.post("/b", { schema }, async (request) => request.body);
  await app.ready();
  return app;
}

describe("lazyValidators", () => {
  it("compiles a route's schema on its first request only, and answers as Fastify's compiler does", async () => {
    const compiled: string[] = [];
    const counting: ReturnType<typeof ajvCompiler> = (external, options) => {
      const compile = ajvCompiler()(external, options);
      return (route) => {
        compiled.push(`${route.method} ${route.url}`);
        return compile(route);
      };
    };
    const lazy = await appWith(lazyValidators(counting));
    const eager = await appWith();
    expect(compiled).toEqual([]);

    for (const payload of [{ name: "ok" }, { name: "far too long" }, { other: 1 }, "not json"]) {
      const request = {
        method: "POST" as const,
        url: "/a",
        headers: { "content-type": "application/json" },
        payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      };
      const [fromLazy, fromEager] = await Promise.all([lazy.inject(request), eager.inject(request)]);
      expect(fromLazy.statusCode).toBe(fromEager.statusCode);
      expect(fromLazy.json()).toEqual(fromEager.json());
    }
    expect((await lazy.inject({ method: "POST", url: "/a", payload: { name: "x" } })).statusCode).toBe(200);
    // Compiled once, for the route that was called; the other route never was.
    expect(compiled).toEqual(["POST /a"]);
    await Promise.all([lazy.close(), eager.close()]);
  });
});
