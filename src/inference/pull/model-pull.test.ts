import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeHub, type FakeHub } from "../../../test/helpers/fake-hub.ts";
import { writeLlamaGguf } from "../gguf/gguf-writer.ts";
import { modelsDir, pullModel } from "./model-pull.ts";
import { resolveModelSource } from "./model-source.ts";

describe("models pull against a local hub", () => {
  let hub: FakeHub;
  let work: string;
  let gguf: Buffer;
  let sha256: string;
  let dataDir: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "custodian-pull-"));
    const file = path.join(work, "tiny.gguf");
    await writeLlamaGguf(file, { seed: 3, embeddingLength: 32, blockCount: 1, headCount: 2 });
    gguf = readFileSync(file);
    sha256 = createHash("sha256").update(gguf).digest("hex");
    hub = await startFakeHub();
    hub.files.set("acme/tiny-GGUF/tiny.gguf", { bytes: gguf });
    hub.files.set("acme/tiny-GGUF/bad.gguf", { bytes: gguf, announcedSha256: "0".repeat(64) });
    hub.files.set("acme/tiny-GGUF/not-a-model.gguf", { bytes: Buffer.alloc(5000, 7) });
    hub.files.set("plain.gguf", { bytes: gguf });
  });
  afterEach(() => {
    hub.seen.length = 0;
    hub.interruptNext = 0;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-pull-data-"));
  });
  afterAll(async () => {
    await hub?.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("follows the hub's redirect, resumes with a Range request after a broken first attempt, and verifies the SHA-256", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-pull-data-"));
    hub.interruptNext = 1;
    const progress: Array<{ received: number; total: number | null }> = [];
    const pulled = await pullModel({
      spec: "hf:acme/tiny-GGUF/tiny.gguf",
      dataDir,
      hfEndpoint: hub.endpoint,
      onProgress: (update) => progress.push(update),
    });
    expect(pulled).toMatchObject({
      id: "tiny",
      source: "hf:acme/tiny-GGUF/tiny.gguf",
      sha256,
      sizeBytes: gguf.length,
      verified: true,
    });
    expect(readFileSync(pulled.path).equals(gguf)).toBe(true);
    expect(existsSync(`${pulled.path}.part`)).toBe(false);
    const cdn = hub.seen.filter((request) => request.path.startsWith("/cdn/"));
    expect(cdn).toHaveLength(2);
    expect(cdn[0]!.range).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(cdn[1]!.range ?? "")?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThan(gguf.length);
    // The resumed request went to the hub first again (its redirect URLs expire), then the CDN.
    expect(hub.seen.filter((request) => request.path.includes("/resolve/main/"))).toHaveLength(2);
    expect(progress.at(-1)).toEqual({ received: gguf.length, total: gguf.length });
  });

  it("resumes a partial file left by an earlier, interrupted pull", async () => {
    const partial = path.join(modelsDir(dataDir), "tiny.gguf.part");
    mkdirSync(path.dirname(partial), { recursive: true });
    writeFileSync(partial, gguf.subarray(0, 10_000));
    const pulled = await pullModel({
      spec: "hf:acme/tiny-GGUF/tiny.gguf",
      dataDir,
      hfEndpoint: hub.endpoint,
    });
    expect(pulled.sha256).toBe(sha256);
    expect(hub.seen.find((request) => request.path.startsWith("/cdn/"))?.range).toBe("bytes=10000-");
  });

  it("rejects a file whose SHA-256 differs from the hub's and deletes it", async () => {
    await expect(
      pullModel({ spec: "hf:acme/tiny-GGUF/bad.gguf", dataDir, hfEndpoint: hub.endpoint }),
    ).rejects.toMatchObject({ code: "pull_checksum_mismatch" });
    expect(existsSync(path.join(modelsDir(dataDir), "bad.gguf"))).toBe(false);
    expect(existsSync(path.join(modelsDir(dataDir), "bad.gguf.part"))).toBe(false);
  });

  it("rejects a download that is not a GGUF file, and a missing one", async () => {
    await expect(
      pullModel({ spec: "hf:acme/tiny-GGUF/not-a-model.gguf", dataDir, hfEndpoint: hub.endpoint }),
    ).rejects.toThrow(/not a GGUF model/);
    await expect(
      pullModel({ spec: "hf:acme/tiny-GGUF/missing.gguf", dataDir, hfEndpoint: hub.endpoint }),
    ).rejects.toMatchObject({ code: "pull_http_status" });
  });

  it("pulls from a plain URL, with the id the operator chose", async () => {
    const pulled = await pullModel({
      spec: `${hub.endpoint}/cdn/plain.gguf`,
      id: "my-tiny",
      dataDir,
      hfEndpoint: "https://unused.example",
    });
    expect(pulled).toMatchObject({ id: "my-tiny", sha256, verified: false });
  });
});

describe("resolveModelSource", () => {
  it("maps hf: specs to the hub's resolve URL and refuses unsafe or malformed sources", () => {
    expect(resolveModelSource("hf:Qwen/Qwen2-GGUF/sub/q4.gguf", "https://hub.example")).toMatchObject({
      url: "https://hub.example/Qwen/Qwen2-GGUF/resolve/main/sub/q4.gguf",
      fileName: "q4.gguf",
      suggestedId: "q4",
    });
    expect(() => resolveModelSource("hf:Qwen/model.gguf", "https://hub.example")).toThrow(/hf:<owner>/);
    expect(() => resolveModelSource("hf:a/b/../../etc.gguf", "https://hub.example")).toThrow();
    expect(() => resolveModelSource("http://10.0.0.1/m.gguf", "https://hub.example")).toThrow(/https/);
    expect(resolveModelSource("https://cdn.example/x/m.gguf?sig=1", "").fileName).toBe("m.gguf");
  });
});
