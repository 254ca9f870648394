// A small fake Hugging Face hub on 127.0.0.1, speaking real HTTP the way the hub serves LFS files: the
// resolve URL answers 302 with the file's SHA-256 in `x-linked-etag` and sends the client to a "CDN"
// path that honours Range requests. Tests can make the first download break half-way, or announce a
// wrong checksum.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HubFile {
  bytes: Buffer;
  /** Announce this instead of the real SHA-256 (a corrupted or substituted file). */
  announcedSha256?: string;
}

export interface FakeHub {
  endpoint: string;
  /** Files by "owner/repo/file". */
  files: Map<string, HubFile>;
  /** Every request: its path and Range header. */
  seen: Array<{ path: string; range: string | undefined }>;
  /** Break the next N CDN responses after half their bytes. */
  interruptNext: number;
  close(): Promise<void>;
}

export async function startFakeHub(): Promise<FakeHub> {
  const hub: FakeHub = {
    endpoint: "",
    files: new Map(),
    seen: [],
    interruptNext: 0,
    close: async () => undefined,
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://hub");
    hub.seen.push({ path: url.pathname, range: request.headers.range });
    const resolve = /^\/([^/]+)\/([^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
    if (resolve) {
      const key = `${resolve[1]}/${resolve[2]}/${decodeURIComponent(resolve[3]!)}`;
      const file = hub.files.get(key);
      if (!file) return void response.writeHead(404).end("Entry not found");
      const sha256 = file.announcedSha256 ?? createHash("sha256").update(file.bytes).digest("hex");
      return void response
        .writeHead(302, {
          location: `/cdn/${encodeURIComponent(key)}?signature=abc`,
          "x-linked-etag": `"${sha256}"`,
          "x-linked-size": String(file.bytes.length),
          etag: `W/"not-the-sha"`,
        })
        .end();
    }
    const cdn = /^\/cdn\/(.+)$/.exec(url.pathname);
    const file = cdn ? hub.files.get(decodeURIComponent(cdn[1]!)) : undefined;
    if (!file) return void response.writeHead(404).end();
    const size = file.bytes.length;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    if (range) {
      start = Number(range[1]);
      if (start >= size) {
        return void response.writeHead(416, { "content-range": `bytes */${size}` }).end();
      }
      response.writeHead(206, {
        "content-range": `bytes ${start}-${size - 1}/${size}`,
        "content-length": String(size - start),
        "accept-ranges": "bytes",
        etag: '"cdn-etag"',
      });
    } else {
      response.writeHead(200, {
        "content-length": String(size),
        "accept-ranges": "bytes",
        etag: '"cdn-etag"',
      });
    }
    const body = file.bytes.subarray(start);
    if (hub.interruptNext > 0) {
      hub.interruptNext -= 1;
      // Half the body, then the connection drops, as a flaky network does.
      response.write(body.subarray(0, Math.floor(body.length / 2)), () => {
        setTimeout(() => response.socket?.destroy(), 20);
      });
      return;
    }
    response.end(body);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hub.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return hub;
}
