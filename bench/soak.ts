// The soak: one `custodian serve` with a stub model server, 100 concurrent clients mixing workspace chat
// streams, /v1 calls and file uploads for a bounded time; zero 5xx, zero lost writes, and memory that
// levels off (RSS at start, middle and end). Prints progress, then its JSON as the last line.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startCustodianServer, type CustodianServer } from "./custodian-server.ts";
import { residentMegabytes } from "./process-memory.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { STUB_MODEL, startStubUpstream } from "./stub-upstream.ts";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

type Kind = "chat_stream" | "v1_chat" | "v1_chat_stream" | "v1_models" | "file_upload";

interface Tally {
  requests: number;
  statuses: Record<string, number>;
  /** Requests that got no HTTP answer at all (connection refused or reset). */
  networkErrors: number;
  serverErrors: number;
  /** Writes the server acknowledged, checked again at the end. */
  messages: Map<string, string[]>;
  files: Map<string, string>;
  byKind: Record<Kind, number>;
}

interface Session {
  cookies: string;
  csrf: string;
}

function count(tally: Tally, kind: Kind, status: number): void {
  tally.requests += 1;
  tally.byKind[kind] += 1;
  tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
  if (status >= 500) tally.serverErrors += 1;
}

async function signIn(server: CustodianServer, dataDirectory: string): Promise<Session> {
  const bootstrap = (await import(path.join(dataDirectory, "bootstrap.json"), { with: { type: "json" } }))
    .default as { organization: string };
  // Through the running server's admin socket, as an operator would.
  const created = spawnSync(
    process.execPath,
    [
      "src/main.ts",
      "owner",
      "create",
      "--org",
      bootstrap.organization,
      "--email",
      "soak@example.com",
      "--json",
    ],
    {
      cwd: repositoryRoot,
      env: { ...process.env, CUSTODIAN_DATA_DIR: dataDirectory, CUSTODIAN_LOG_LEVEL: "warn" },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  if (created.status !== 0) throw new Error(`owner create failed: ${created.stderr}`);
  const { password } = JSON.parse(created.stdout) as { password: string };
  const response = await fetch(`${server.baseUrl}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.baseUrl },
    body: JSON.stringify({ organization: bootstrap.organization, email: "soak@example.com", password }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status}`);
  return {
    csrf: ((await response.json()) as { csrf_token: string }).csrf_token,
    cookies: response.headers
      .getSetCookie()
      .map((cookie) => cookie.split(";")[0])
      .join("; "),
  };
}

function sessionFetch(server: CustodianServer, session: Session, route: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("cookie", session.cookies);
  headers.set("origin", server.baseUrl);
  headers.set("x-csrf-token", session.csrf);
  if (init.body) headers.set("content-type", "application/json");
  return fetch(`${server.baseUrl}${route}`, { ...init, headers });
}

/** One client: its own conversation (a new one every few messages, so histories stay short) and a mix of calls. */
async function client(
  index: number,
  server: CustodianServer,
  session: Session,
  tally: Tally,
  deadline: number,
): Promise<void> {
  const bearer = { authorization: `Bearer ${server.apiKey}` };
  let conversation: string | null = null;
  let sent = 0;
  for (let step = 0; Date.now() < deadline; step += 1) {
    const roll = (index * 7 + step * 13) % 10;
    try {
      if (roll < 4) {
        if (conversation === null || sent >= 8) {
          const created = await sessionFetch(server, session, "/api/conversations", {
            method: "POST",
            body: JSON.stringify({ model: STUB_MODEL }),
          });
          count(tally, "chat_stream", created.status);
          if (created.status !== 201) continue;
          conversation = ((await created.json()) as { id: string }).id;
          tally.messages.set(conversation, []);
          sent = 0;
        }
        const content = `soak ${index}.${step}`;
        const response = await sessionFetch(server, session, `/api/conversations/${conversation}/messages`, {
          method: "POST",
          body: JSON.stringify({ content }),
        });
        const body = await response.text();
        count(tally, "chat_stream", response.status);
        // Acknowledged once the stream ends with the saved answer.
        if (response.status === 200 && body.includes('"type":"done"')) {
          tally.messages.get(conversation)!.push(content);
          sent += 1;
        } else if (response.status === 200) tally.serverErrors += 1;
      } else if (roll < 6) {
        const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
          method: "POST",
          headers: { ...bearer, "content-type": "application/json" },
          body: JSON.stringify({ model: STUB_MODEL, messages: [{ role: "user", content: `hello ${step}` }] }),
        });
        await response.arrayBuffer();
        count(tally, "v1_chat", response.status);
      } else if (roll < 8) {
        const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
          method: "POST",
          headers: { ...bearer, "content-type": "application/json" },
          body: JSON.stringify({
            model: STUB_MODEL,
            stream: true,
            messages: [{ role: "user", content: `stream ${step}` }],
          }),
        });
        const body = await response.text();
        count(tally, "v1_chat_stream", response.status);
        if (response.status === 200 && !body.includes("[DONE]")) tally.serverErrors += 1;
      } else if (roll < 9) {
        const response = await fetch(`${server.baseUrl}/v1/models`, { headers: bearer });
        await response.arrayBuffer();
        count(tally, "v1_models", response.status);
      } else {
        const content = `{"n":"${index}.${step}","pad":"${"x".repeat(512)}"}\n`;
        const form = new FormData();
        form.set("purpose", "user_data");
        form.set("file", new Blob([content]), "soak.jsonl");
        const response = await fetch(`${server.baseUrl}/v1/files`, {
          method: "POST",
          headers: bearer,
          body: form,
        });
        count(tally, "file_upload", response.status);
        if (response.status === 200) tally.files.set(((await response.json()) as { id: string }).id, content);
        else await response.arrayBuffer();
      }
    } catch {
      tally.requests += 1;
      tally.networkErrors += 1;
    }
  }
}

/** Every acknowledged write read back: messages in their conversations, files listed with their content. */
async function lostWrites(server: CustodianServer, session: Session, tally: Tally): Promise<number> {
  let lost = 0;
  for (const [id, contents] of tally.messages) {
    const response = await sessionFetch(server, session, `/api/conversations/${id}`);
    if (response.status !== 200) {
      lost += contents.length;
      continue;
    }
    const stored = new Set(
      ((await response.json()) as { messages: Array<{ content: string }> }).messages.map(
        (message) => message.content,
      ),
    );
    lost += contents.filter((content) => !stored.has(content)).length;
  }
  const bearer = { authorization: `Bearer ${server.apiKey}` };
  const listed = (await (
    await fetch(`${server.baseUrl}/v1/files?limit=10000`, { headers: bearer })
  ).json()) as {
    data: Array<{ id: string }>;
  };
  const ids = new Set(listed.data.map((file) => file.id));
  for (const [id, content] of tally.files) {
    if (!ids.has(id)) {
      lost += 1;
      continue;
    }
    const response = await fetch(`${server.baseUrl}/v1/files/${id}/content`, { headers: bearer });
    if (response.status !== 200 || (await response.text()) !== content) lost += 1;
  }
  return lost;
}

export async function run(): Promise<number> {
  const seconds = durationSeconds(300);
  const clients = readNumber(
    "BENCH_CLIENTS",
    100,
    (value) => Number.isInteger(value) && value > 0,
    "a whole number above 0",
  );
  const stub = await startStubUpstream(0, "127.0.0.1", { chunks: 16, intervalMs: 5 });
  const dataDirectory = await mkdtemp(path.join(tmpdir(), "custodian-soak-"));
  let server: CustodianServer | null = null;
  try {
    server = await startCustodianServer({
      upstreams: [{ name: "stub", baseURL: `http://127.0.0.1:${stub.port}/v1`, models: [STUB_MODEL] }],
      environment: { CUSTODIAN_DEMO_MODEL: "0" },
      dataDirectory,
      log: (line) => console.error(line),
    });
    const session = await signIn(server, dataDirectory);
    const tally: Tally = {
      requests: 0,
      statuses: {},
      networkErrors: 0,
      serverErrors: 0,
      messages: new Map(),
      files: new Map(),
      byKind: { chat_stream: 0, v1_chat: 0, v1_chat_stream: 0, v1_models: 0, file_upload: 0 },
    };
    const pid = server.service.child.pid;
    const samples: Array<{ atSeconds: number; rssMb: number | null }> = [];
    const began = Date.now();
    const sample = async () =>
      samples.push({ atSeconds: (Date.now() - began) / 1000, rssMb: await residentMegabytes(pid) });
    await sample();
    const sampler = setInterval(() => {
      void sample();
      console.error(
        `soak ${Math.round((Date.now() - began) / 1000)}s: ${tally.requests} requests, ` +
          `${tally.serverErrors} 5xx, rss ${samples.at(-1)?.rssMb?.toFixed(0)} MB`,
      );
    }, 5_000);
    const deadline = began + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, (_, index) => client(index, server!, session, tally, deadline)),
    );
    clearInterval(sampler);
    await sample();
    const elapsed = (Date.now() - began) / 1000;
    const lost = await lostWrites(server, session, tally);
    const middle = samples.reduce((best, entry) =>
      Math.abs(entry.atSeconds - elapsed / 2) < Math.abs(best.atSeconds - elapsed / 2) ? entry : best,
    );
    const round = (value: number | null | undefined) => (value == null ? null : Math.round(value * 10) / 10);
    const acknowledgedMessages = [...tally.messages.values()].reduce((sum, list) => sum + list.length, 0);
    const result = {
      benchmark: "soak",
      duration_s: Math.round(elapsed),
      clients,
      database: server.database,
      requests: tally.requests,
      requests_per_s: Math.round(tally.requests / elapsed),
      by_kind: tally.byKind,
      statuses: tally.statuses,
      server_errors: tally.serverErrors,
      network_errors: tally.networkErrors,
      acknowledged_writes: { messages: acknowledgedMessages, files: tally.files.size },
      lost_writes: lost,
      rss_mb: {
        start: round(samples[0]?.rssMb),
        middle: round(middle.rssMb),
        end: round(samples.at(-1)?.rssMb),
      },
    };
    console.log(JSON.stringify(result));
    return tally.serverErrors === 0 && tally.networkErrors === 0 && lost === 0 ? 0 : 1;
  } finally {
    await server?.stop();
    await stub.close();
    await rm(dataDirectory, { recursive: true, force: true });
  }
}
