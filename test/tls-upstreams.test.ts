// SEC-2 on the way out: connections to upstream model servers and to PostgreSQL verify certificates
// when TLS is in use. A self-signed model server is refused unless its CA is configured; a database
// URL that asks for TLS never falls back to plain text.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/config.ts";
import { openDatabase, postgresConnection } from "../src/db/database.ts";
import { tlsMaterial } from "../src/http/tls.ts";
import { settingOf } from "./helpers/config.ts";
import { serverUrl } from "./helpers/database.ts";
import { nonLoopbackAddress, urlHost } from "./helpers/non-loopback-address.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";

const messages = [{ role: "user" as const, content: "hello" }];

describe("TLS to upstream model servers", () => {
  let directory: string;
  let caFile: string;
  let upstream: HttpsServer;
  let platform: TestPlatform;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), "custodian-tls-upstream-"));
    // A private CA and a certificate for 127.0.0.1 signed by it: what an internal model server has.
    const material = await tlsMaterial(directory, null);
    caFile = material.caFile!;
    upstream = createHttpsServer({ cert: material.cert, key: material.key }, (request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: "chatcmpl-tls",
            object: "chat.completion",
            created: 1,
            model: "served",
            choices: [
              { index: 0, message: { role: "assistant", content: "over tls" }, finish_reason: "stop" },
            ],
            usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const baseURL = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    platform = await startTestPlatform({
      upstreams: [
        { name: "untrusted", baseURL, models: [{ id: "tls-untrusted", upstream: "served" }] },
        { name: "trusted", baseURL, caFile, models: [{ id: "tls-trusted", upstream: "served" }] },
      ],
    });
  });
  afterAll(async () => {
    await platform?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  });

  it("[SEC-2] refuses an https model server whose certificate it cannot verify, with 502 upstream_tls_error", async () => {
    const error = (await platform
      .client()
      .chat.completions.create({ model: "tls-untrusted", messages })
      .catch((failure: unknown) => failure)) as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(502);
    expect(error.code).toBe("upstream_tls_error");
    expect(error.message).toContain("'untrusted'");
  });

  it("[SEC-2] talks to the same model server once its CA is configured with caFile", async () => {
    const completion = await platform.client().chat.completions.create({ model: "tls-trusted", messages });
    expect(completion.choices[0]!.message.content).toBe("over tls");
  });

  it("[SEC-2] validates an upstream's caFile: it must exist, hold a PEM certificate, and belong to an https URL", () => {
    const notPem = path.join(directory, "not-a-certificate.txt");
    writeFileSync(notPem, "hello");
    const upstreamWith = (baseURL: string, file: string) =>
      JSON.stringify([{ name: "u", baseURL, caFile: file, models: ["m"] }]);
    const attempt = (upstreams: string) => () => loadConfig({ CUSTODIAN_UPSTREAMS: upstreams });
    expect(attempt(upstreamWith("https://models.internal/v1", path.join(directory, "missing.pem")))).toThrow(
      /CUSTODIAN_UPSTREAMS\[0\]\.caFile: .*does not exist/,
    );
    expect(attempt(upstreamWith("https://models.internal/v1", notPem))).toThrow(/holds no PEM certificate/);
    expect(attempt(upstreamWith("http://127.0.0.1:8000/v1", caFile))).toThrow(/https upstreams only/);
    const config = loadConfig({ CUSTODIAN_UPSTREAMS: upstreamWith("https://models.internal/v1", caFile) });
    expect(config.upstreams[0]!.caFile).toBe(caFile);
  });

  it("[SEC-2] reads PostgreSQL TLS settings: verify-full and a CA file verify, fall-back modes are refused", () => {
    const base = "postgres://custodian@db.internal:5432/custodian";
    expect(() => loadConfig({ CUSTODIAN_DATABASE_URL: `${base}?sslmode=prefer` })).toThrow(ConfigError);
    expect(() => loadConfig({ CUSTODIAN_DATABASE_URL: `${base}?sslmode=allow` })).toThrow(/sslmode=allow/);
    expect(() => loadConfig({ CUSTODIAN_DATABASE_CA_FILE: caFile })).toThrow(/needs CUSTODIAN_DATABASE_URL/);
    expect(() =>
      loadConfig({ CUSTODIAN_DATABASE_URL: `${base}?sslmode=disable`, CUSTODIAN_DATABASE_CA_FILE: caFile }),
    ).toThrow(/sslmode=disable/);
    expect(() =>
      loadConfig({
        CUSTODIAN_DATABASE_URL: `${base}?sslmode=verify-full`,
        CUSTODIAN_DATABASE_CA_FILE: path.join(directory, "missing.pem"),
      }),
    ).toThrow(/CUSTODIAN_DATABASE_CA_FILE/);
    const config = loadConfig({
      CUSTODIAN_DATABASE_URL: `${base}?sslmode=verify-full`,
      CUSTODIAN_DATABASE_CA_FILE: caFile,
    });
    expect(config.databaseCaFile).toBe(caFile);

    // What node-postgres is given: TLS settings out of the URL (where they would replace the CA), in `ssl`.
    const verified = postgresConnection(`${base}?sslmode=verify-full`, caFile);
    expect(verified.connectionString).toBe(base);
    expect(verified.ssl).toMatchObject({
      rejectUnauthorized: true,
      ca: expect.stringContaining("BEGIN CERTIFICATE"),
    });
    expect(postgresConnection(`${base}?sslmode=require`).ssl).toEqual({ rejectUnauthorized: true });
    expect(
      postgresConnection(`${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`).ssl,
    ).toMatchObject({
      ca: expect.stringContaining("BEGIN CERTIFICATE"),
    });
    // To another host no sslmode still means verified TLS, and plain text is refused (SEC-2); on this
    // machine the URL decides.
    expect(postgresConnection(base).ssl).toEqual({ rejectUnauthorized: true });
    expect(() => postgresConnection(`${base}?sslmode=disable`)).toThrow(/plain text/);
    const local = "postgres://custodian@127.0.0.1:5432/custodian";
    expect(postgresConnection(local).ssl).toBe(false);
    expect(postgresConnection(`${local}?sslmode=disable`).ssl).toBe(false);
  });
});

describe("plain HTTP to model servers", () => {
  const upstreams = (...entries: object[]) =>
    JSON.stringify(entries.map((entry, index) => ({ name: `u${index}`, models: [`m${index}`], ...entry })));

  it("[SEC-2] refuses a plain-http model server on another host unless its entry opts out with allowPlaintext", () => {
    for (const baseURL of [
      "http://10.0.0.5:8000/v1",
      "http://models.internal/v1",
      "http://[fd00::5]:8000/v1",
    ]) {
      expect(settingOf({ CUSTODIAN_UPSTREAMS: upstreams({ baseURL }) }), baseURL).toBe(
        "CUSTODIAN_UPSTREAMS[0].baseURL",
      );
      expect(() => loadConfig({ CUSTODIAN_UPSTREAMS: upstreams({ baseURL }) })).toThrow(/allowPlaintext/);
    }
    // Plain http on this machine never crosses a network; https anywhere is verified.
    const accepted = loadConfig({
      CUSTODIAN_UPSTREAMS: upstreams(
        { baseURL: "http://127.0.0.1:8000/v1" },
        { baseURL: "http://localhost:8000/v1" },
        { baseURL: "http://[::1]:8000/v1" },
        { baseURL: "https://models.internal/v1" },
      ),
    });
    expect(accepted.upstreams.map((upstream) => upstream.allowPlaintext ?? false)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    const optedOut = loadConfig({
      CUSTODIAN_UPSTREAMS: upstreams({ baseURL: "http://10.0.0.5:8000/v1", allowPlaintext: true }),
    });
    expect(optedOut.upstreams[0]).toMatchObject({ baseURL: "http://10.0.0.5:8000/v1", allowPlaintext: true });
  });

  it("[SEC-2] never lets a baa upstream opt out of TLS, and refuses an opt-out with nothing to opt out of", () => {
    expect(
      settingOf({
        CUSTODIAN_UPSTREAMS: upstreams({
          baseURL: "http://10.0.0.5:8000/v1",
          allowPlaintext: true,
          baa: true,
        }),
      }),
    ).toBe("CUSTODIAN_UPSTREAMS[0].allowPlaintext");
    expect(
      settingOf({
        CUSTODIAN_UPSTREAMS: upstreams({ baseURL: "https://models.internal/v1", allowPlaintext: true }),
      }),
    ).toBe("CUSTODIAN_UPSTREAMS[0].allowPlaintext");
    expect(
      settingOf({
        CUSTODIAN_UPSTREAMS: upstreams({ baseURL: "http://127.0.0.1:8000/v1", allowPlaintext: true }),
      }),
    ).toBe("CUSTODIAN_UPSTREAMS[0].allowPlaintext");
    expect(
      settingOf({
        CUSTODIAN_UPSTREAMS: upstreams({ baseURL: "http://10.0.0.5:8000/v1", allowPlaintext: "yes" }),
      }),
    ).toBe("CUSTODIAN_UPSTREAMS[0].allowPlaintext");
    // A covered model server over plain http is fine on this machine.
    expect(
      loadConfig({ CUSTODIAN_UPSTREAMS: upstreams({ baseURL: "http://127.0.0.1:8000/v1", baa: true }) })
        .upstreams[0]?.baa,
    ).toBe(true);
  });

  describe("an opted-out model server on another host", () => {
    /** One model server, reachable on a non-loopback address and on 127.0.0.1. */
    const listeners: HttpServer[] = [];
    let platform: TestPlatform;

    beforeAll(async () => {
      const address = nonLoopbackAddress();
      const ports: number[] = [];
      for (const host of [address, "127.0.0.1"]) {
        const listener = createHttpServer((request, response) => {
          request.resume();
          request.on("end", () => {
            response.writeHead(200, { "content-type": "application/json" }).end(
              JSON.stringify({
                id: "chatcmpl-plain",
                object: "chat.completion",
                created: 1,
                model: "served",
                choices: [
                  {
                    index: 0,
                    message: { role: "assistant", content: "over plain http" },
                    finish_reason: "stop",
                  },
                ],
                usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
              }),
            );
          });
        });
        await new Promise<void>((resolve) => listener.listen(0, host, resolve));
        listeners.push(listener);
        ports.push((listener.address() as AddressInfo).port);
      }
      platform = await startTestPlatform({
        upstreams: [
          {
            name: "lab",
            baseURL: `http://${urlHost(address)}:${ports[0]}/v1`,
            allowPlaintext: true,
            models: [{ id: "lab-model", upstream: "served" }],
          },
          {
            name: "local-covered",
            baseURL: `http://127.0.0.1:${ports[1]}/v1`,
            baa: true,
            models: [{ id: "covered-model", upstream: "served" }],
          },
        ],
      });
    });
    afterAll(async () => {
      await platform?.close();
      for (const listener of listeners) {
        listener.closeAllConnections();
        await new Promise((resolve) => listener.close(resolve));
      }
    });

    it("[SEC-2] serves it, and the trust page shows the operator's plain-text opt-out", async () => {
      const completion = await platform.client().chat.completions.create({ model: "lab-model", messages });
      expect(completion.choices[0]!.message.content).toBe("over plain http");

      const report = (await (await fetch(`${platform.server.url}/api/trust`)).json()) as {
        commitments: Array<{ id: string; settings: { tls?: { upstreams?: unknown[]; database?: string } } }>;
      };
      const sec2 = report.commitments.find((commitment) => commitment.id === "SEC-2")!;
      expect(sec2.settings.tls?.upstreams).toEqual([
        { name: "lab", transport: "plaintext-opt-out", baa: false },
        { name: "local-covered", transport: "plaintext-loopback", baa: true },
      ]);
      // The test database is embedded, or the PostgreSQL server on this machine.
      expect(sec2.settings.tls?.database).toBe(serverUrl ? "plaintext-loopback" : "embedded");
    });

    it("[SEC-2] never serves it to an organisation in HIPAA mode", async () => {
      await platform.server.platform.oversight.hipaa.set(platform.organization, true, "test");
      try {
        const refused = await platform
          .client()
          .chat.completions.create({ model: "lab-model", messages })
          .catch((failure: unknown) => failure);
        expect(refused).toMatchObject({ status: 403, code: "model_not_covered_by_baa" });
        // A covered backend still answers: the refusal is about this upstream, not the organisation.
        const covered = await platform.client().chat.completions.create({ model: "covered-model", messages });
        expect(covered.choices[0]!.message.content).toBe("over plain http");
      } finally {
        await platform.server.platform.oversight.hipaa.set(platform.organization, false, "test");
      }
    });
  });
});

describe("TLS to PostgreSQL", () => {
  let server: TcpServer;
  let port: number;
  /** Bytes each connection sent after the TLS request was refused: a plain-text fall back would show here. */
  const afterRefusal: number[] = [];

  beforeAll(async () => {
    // A PostgreSQL server without TLS answers a client's SSLRequest (8 bytes) with a single 'N'.
    server = createTcpServer((socket) => {
      let seen = 0;
      socket.on("data", (data) => {
        if (seen === 0) socket.write("N");
        else afterRefusal.push(data.length);
        seen += data.length;
      });
      socket.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server?.close(resolve)));

  it("[SEC-2] a database URL with sslmode=verify-full refuses a server without TLS instead of falling back to plain text", async () => {
    const failure = await openDatabase({
      url: `postgres://custodian@127.0.0.1:${port}/custodian?sslmode=verify-full`,
      pgliteDir: "memory://",
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/does not support SSL/);
    expect(afterRefusal).toEqual([]);
  });

  it.skipIf(!serverUrl)(
    "[SEC-2] the PostgreSQL test server, which has no TLS, is refused when TLS is required",
    async () => {
      const url = new URL(serverUrl!);
      url.searchParams.set("sslmode", "verify-full");
      const failure = await openDatabase({ url: url.toString(), pgliteDir: "memory://" }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      // No TLS on the server, or TLS with a certificate this client cannot verify: refused either way.
      expect((failure as Error).message).toMatch(/does not support SSL|certificate/);
    },
  );
});
