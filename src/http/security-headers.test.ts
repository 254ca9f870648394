import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { installSecurityHeaders } from "./security-headers.ts";

async function appWith(https: boolean) {
  const app = Fastify();
  installSecurityHeaders(app, { https });
  app.get("/ok", async () => ({ ok: true }));
  app.get("/fails", async () => {
    throw new Error("boom");
  });
  await app.ready();
  return app;
}

describe("security headers", () => {
  it("go on every response, errors and unknown routes included", async () => {
    const app = await appWith(false);
    for (const url of ["/ok", "/fails", "/nowhere"]) {
      const response = await app.inject({ url });
      expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(response.headers["referrer-policy"]).toBe("no-referrer");
      // Plain HTTP: a browser would ignore HSTS, and it must not pin a host that has no TLS yet.
      expect(response.headers["strict-transport-security"]).toBeUndefined();
    }
    await app.close();
  });

  it("add HSTS over HTTPS", async () => {
    const app = await appWith(true);
    const response = await app.inject({ url: "/ok" });
    expect(response.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    await app.close();
  });
});
