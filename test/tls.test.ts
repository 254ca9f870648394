import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestPlatform } from "./helpers/platform.ts";

/** Open a TLS connection limited to the given versions; resolve with the version agreed or the error. */
function handshake(port: number, ca: string, version: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3") {
  return new Promise<{ protocol: string | null } | { error: string }>((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca,
      minVersion: version,
      maxVersion: version,
      // Let this client's OpenSSL offer TLS 1.0 and 1.1 at all, so that a refusal is the server's doing.
      ciphers: "DEFAULT:@SECLEVEL=0",
    });
    socket.once("secureConnect", () => {
      resolve({ protocol: socket.getProtocol() });
      socket.end();
    });
    socket.once("error", (error) => resolve({ error: error.message }));
  });
}

describe("HTTPS", () => {
  const platform = useTestPlatform({ https: true });
  let ca: string;

  beforeAll(async () => {
    ca = readFileSync(platform.server.caFile!, "utf8");
  });

  it("[SEC-2] serves HTTPS with a generated certificate the official client can trust", async () => {
    expect(platform.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const page = await platform.client().models.list();
    expect(page.object).toBe("list");
  });

  it("[SEC-2] accepts TLS 1.2 and 1.3 and refuses TLS 1.1 and TLS 1.0 clients", async () => {
    const port = platform.server.port;
    expect(await handshake(port, ca, "TLSv1.3")).toEqual({ protocol: "TLSv1.3" });
    expect(await handshake(port, ca, "TLSv1.2")).toEqual({ protocol: "TLSv1.2" });
    const old = await handshake(port, ca, "TLSv1.1");
    expect(old).toHaveProperty("error");
    expect((old as { error: string }).error).toMatch(/protocol version|unsupported protocol/i);
    const older = await handshake(port, ca, "TLSv1");
    expect(older).toHaveProperty("error");
    expect((older as { error: string }).error).toMatch(/protocol version|unsupported protocol/i);
  });

  it("[SEC-2] sends security headers", async () => {
    const { Agent } = await import("undici");
    const dispatcher = new Agent({ connect: { ca } });
    const response = await fetch(`${platform.server.url}/healthz`, { dispatcher } as RequestInit);
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    await dispatcher.close();
  });
});
