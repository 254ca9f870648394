// `npm run fuzz`: a bounded, seeded fuzz run against a real server: fast-check bodies for every route in
// the route table, JSONL uploads, SCIM filters, SAML responses and OIDC callbacks. Prints the counts of
// requests and statuses; exits non-zero on any 5xx, a request the server never answered, or a crash.
// FUZZ_RUNS (inputs per target, default 60) and FUZZ_SEED bound and replay a run; `npm test` never runs it.
import fc from "fast-check";
import { request } from "undici";
import { startFakeUpstream } from "../test/helpers/fake-upstream.ts";
import { startSamlFixture } from "../test/helpers/saml-fixture.ts";

const runs = Number(process.env.FUZZ_RUNS ?? 60);
const seed = Number(process.env.FUZZ_SEED ?? 8_2026);
if (!Number.isInteger(runs) || runs <= 0) throw new Error("FUZZ_RUNS must be a whole number above 0");
if (!Number.isInteger(seed)) throw new Error("FUZZ_SEED must be a whole number");
/** How many requests are in flight at once: enough to overlap, few enough for a 2-core machine. */
const parallel = 8;

interface Probe {
  target: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const counts = {
  requests: 0,
  statuses: {} as Record<string, number>,
  byTarget: {} as Record<string, number>,
  serverErrors: 0,
  unanswered: 0,
};
const failures: string[] = [];

function sample<T>(arbitrary: fc.Arbitrary<T>, offset: number, numRuns = runs): T[] {
  return fc.sample(arbitrary, { numRuns, seed: seed + offset });
}

/** Words the routes' schemas know, so some random bodies get past the first check and reach the services. */
const fieldName = fc.constantFrom(
  "model",
  "messages",
  "role",
  "content",
  "input",
  "prompt",
  "max_tokens",
  "stream",
  "name",
  "title",
  "purpose",
  "training_file",
  "email",
  "password",
  "organization",
  "enabled",
  "days",
  "reason",
  "filter",
  "value",
  "schemas",
  "Operations",
  "userName",
  "active",
  "members",
);
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fieldName, fc.jsonValue(), { maxKeys: 6 }),
  fc.record({
    model: fc.oneof(fc.constant("fake-model"), fc.string()),
    messages: fc.array(
      fc.record({ role: fc.constantFrom("user", "system", "assistant", "tool"), content: fc.jsonValue() }),
      { maxLength: 3 },
    ),
    max_tokens: fc.oneof(fc.integer(), fc.constant(Number.MAX_SAFE_INTEGER), fc.double()),
  }),
  fc.integer({ min: 1, max: 3000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
);

function bodyOf(value: unknown): string {
  // Deep nesting arrives as its text, so it reaches the server's parser unparsed.
  return typeof value === "string" && value.startsWith("[") ? value : JSON.stringify(value);
}

async function send(probe: Probe): Promise<void> {
  counts.requests += 1;
  counts.byTarget[probe.target] = (counts.byTarget[probe.target] ?? 0) + 1;
  try {
    const response = await request(probe.path, {
      method: probe.method as "POST",
      headers: probe.headers,
      body: probe.body,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    await response.body.text();
    const status = response.statusCode;
    counts.statuses[status] = (counts.statuses[status] ?? 0) + 1;
    if (status >= 500) {
      counts.serverErrors += 1;
      if (failures.length < 20) failures.push(`${status} ${probe.method} ${new URL(probe.path).pathname}`);
    }
  } catch (error) {
    counts.unanswered += 1;
    if (failures.length < 20) failures.push(`no answer: ${probe.method} ${probe.path}: ${String(error)}`);
  }
}

async function sendAll(probes: Probe[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < probes.length) await send(probes[next++]!);
    }),
  );
}

function residentMegabytes(): number {
  return Math.round(process.memoryUsage().rss / 1024 / 1024);
}

async function main(): Promise<number> {
  const upstream = await startFakeUpstream();
  const fixture = await startSamlFixture({
    platform: { upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }] },
  });
  const { platform } = fixture;
  const base = platform.server.url;
  const started = Date.now();
  const rssStart = residentMegabytes();
  try {
    /** The cookie, CSRF and origin headers of a freshly signed-in owner, as a browser would send them. */
    let owners = 0;
    const signIn = async (): Promise<Record<string, string>> => {
      owners += 1;
      const email = `fuzz${owners}@example.com`;
      const password = "correct horse battery staple";
      await platform.server.platform.identity.users.createLocalOwner({
        organizationId: platform.organization,
        email,
        password,
        actor: "fuzz",
      });
      const response = await fetch(`${base}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: base },
        body: JSON.stringify({ organization: platform.organization, email, password }),
      });
      if (response.status !== 200) throw new Error(`sign-in failed: ${response.status}`);
      const { csrf_token: csrf } = (await response.json()) as { csrf_token: string };
      const cookie = response.headers
        .getSetCookie()
        .map((entry) => entry.split(";")[0])
        .join("; ");
      return { cookie, "x-csrf-token": csrf, origin: base };
    };
    let session = await signIn();
    const scim = await platform.server.platform.identity.scimTokens.create(platform.organization, "fuzz");
    const bearer = { authorization: `Bearer ${platform.apiKey}` };
    const sessionHeaders = async (): Promise<Record<string, string>> => {
      // Fuzzed routes may sign the owner out or take its role; a fresh owner keeps /api reachable.
      const check = await fetch(`${base}/api/admin/members`, { headers: session });
      await check.arrayBuffer();
      if (check.status !== 200) session = await signIn();
      return session;
    };

    const routes = platform.server.routes.filter(
      (route) => !route.url.includes("*") && !["HEAD", "OPTIONS"].includes(route.method),
    );
    const segment = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.constantFrom(
        platform.organization,
        platform.project,
        "file-x",
        "conv_x",
        "..",
        "%00",
        "a".repeat(300),
      ),
    );
    let offset = 0;
    for (const route of routes) {
      offset += 1;
      const headers: Record<string, string> = route.url.startsWith("/v1")
        ? { ...bearer }
        : route.url.startsWith("/scim")
          ? { authorization: `Bearer ${scim.token}` }
          : route.url.startsWith("/api")
            ? await sessionHeaders()
            : {};
      const paths = sample(segment, offset * 7, runs).map((value) =>
        route.url.replace(/:[A-Za-z_]+/g, () => encodeURIComponent(value)),
      );
      const withBody = route.method !== "GET" && route.method !== "DELETE";
      const bodies = withBody ? sample(hostileJson, offset, runs) : [];
      const queries = withBody
        ? []
        : sample(fc.dictionary(fieldName, fc.string(), { maxKeys: 4 }), offset, runs);
      await sendAll(
        paths.map((routePath, index) => ({
          target: "routes",
          method: route.method,
          path: withBody
            ? `${base}${routePath}`
            : `${base}${routePath}?${new URLSearchParams(queries[index] as Record<string, string>)}`,
          headers: withBody ? { ...headers, "content-type": "application/json" } : headers,
          ...(withBody ? { body: bodyOf(bodies[index]) } : {}),
        })),
      );
    }
    // Invalid UTF-8 and a body that says it is JSON but is not.
    const invalidBytes = sample(fc.uint8Array({ minLength: 1, maxLength: 2048 }), 9_001);
    await sendAll(
      invalidBytes.map((bytes) => ({
        target: "invalid bytes",
        method: "POST",
        path: `${base}/v1/chat/completions`,
        headers: { ...bearer, "content-type": "application/json" },
        body: Buffer.concat([
          Buffer.from('{"model":"fake-model","messages":[{"role":"user","content":"'),
          Buffer.from(bytes),
          Buffer.from([0xc3, 0x28]),
          Buffer.from('"}]}'),
        ]),
      })),
    );

    // JSONL uploads for fine-tuning: random lines, near-valid examples, broken bytes.
    const line = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record({
          messages: fc.array(
            fc.record({ role: fc.string(), content: fc.oneof(fc.string(), fc.jsonValue()) }),
            {
              maxLength: 4,
            },
          ),
        })
        .map((value) => JSON.stringify(value)),
      fc.record({ prompt: fc.string(), completion: fc.string() }).map((value) => JSON.stringify(value)),
      fc.string(),
    );
    const jsonl = sample(fc.array(line, { maxLength: 8 }), 9_002);
    const uploads: Probe[] = jsonl.map((lines, index) => {
      const form = new FormData();
      form.set("purpose", index % 3 === 0 ? "user_data" : "fine-tune");
      form.set("file", new Blob([lines.join(index % 2 === 0 ? "\n" : "\r\n")]), "fuzz.jsonl");
      return {
        target: "jsonl uploads",
        method: "POST",
        path: `${base}/v1/files`,
        headers: bearer,
        form,
      } as Probe & {
        form: FormData;
      };
    });
    // Multipart bodies are built by fetch; sent one by one through it.
    for (const upload of uploads) {
      counts.requests += 1;
      counts.byTarget[upload.target] = (counts.byTarget[upload.target] ?? 0) + 1;
      try {
        const response = await fetch(upload.path, {
          method: "POST",
          headers: upload.headers,
          body: (upload as Probe & { form: FormData }).form,
        });
        await response.arrayBuffer();
        counts.statuses[response.status] = (counts.statuses[response.status] ?? 0) + 1;
        if (response.status >= 500) {
          counts.serverErrors += 1;
          failures.push(`${response.status} POST /v1/files (jsonl)`);
        }
      } catch (error) {
        counts.unanswered += 1;
        failures.push(`no answer: POST /v1/files: ${String(error)}`);
      }
    }

    // SCIM filters: the grammar's pieces in random order, and plain random text.
    const attribute = fc.constantFrom(
      "userName",
      "emails.value",
      "displayName",
      "active",
      "externalId",
      "meta.created",
      "name.givenName",
      "x",
    );
    const operator = fc.constantFrom("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "EQ", "zz");
    const value = fc.oneof(
      fc.string().map((text) => JSON.stringify(text)),
      fc.constantFrom("true", "false", "null", "1"),
      fc.string(),
    );
    const comparison = fc
      .tuple(attribute, operator, value)
      .map(([name, op, operand]) => `${name} ${op} ${operand}`);
    const filter: fc.Arbitrary<string> = fc.oneof(
      comparison,
      fc
        .tuple(comparison, fc.constantFrom(" and ", " or ", " AND "), comparison)
        .map((parts) => parts.join("")),
      comparison.map((text) => `not (${text})`),
      fc.tuple(fc.constantFrom("(", "((", "[", ")"), comparison).map((parts) => parts.join("")),
      fc.string({ maxLength: 300 }),
      fc
        .integer({ min: 1, max: 2000 })
        .map((depth) => "(".repeat(depth) + 'userName eq "a"' + ")".repeat(depth)),
    );
    const filters = sample(filter, 9_003, runs * 4);
    await sendAll(
      filters.map((text, index) => ({
        target: "scim filters",
        method: "GET",
        path: `${base}/scim/v2/${index % 2 === 0 ? "Users" : "Groups"}?filter=${encodeURIComponent(text)}&startIndex=${index - 3}&count=${index * 1000}`,
        headers: { authorization: `Bearer ${scim.token}` },
      })),
    );

    // SAML: responses the IdP signed with fuzzed fields, signed responses with bytes changed, and noise.
    const samlProbes: Probe[] = [];
    const tagValues = sample(
      fc.record(
        {
          NameID: fc.string(),
          Destination: fc.string(),
          Audience: fc.string(),
          InResponseTo: fc.string(),
          IssueInstant: fc.string(),
        },
        { requiredKeys: [] },
      ),
      9_004,
    );
    const flips = sample(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), 9_005);
    const noise = sample(
      fc.oneof(
        fc.string(),
        fc.base64String(),
        fc.string().map((text) => Buffer.from(`<samlp:Response>${text}`).toString("base64")),
      ),
      9_006,
    );
    for (let index = 0; index < runs; index += 1) {
      const signed = await fixture.idp.respond(fixture.view, {
        email: `fuzz${index}@example.com`,
        tags: tagValues[index],
      });
      const decoded = Buffer.from(signed, "base64");
      const [position, byte] = flips[index]!;
      decoded[position % decoded.length] = byte;
      for (const response of [signed, decoded.toString("base64"), noise[index]!]) {
        samlProbes.push({
          target: "saml",
          method: "POST",
          path: fixture.view.acsUrl,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: "https://idp.example.test",
          },
          body: new URLSearchParams({
            SAMLResponse: response,
            RelayState: noise[(index + 1) % runs]!,
          }).toString(),
        });
      }
    }
    await sendAll(samlProbes);

    // OIDC: callbacks with random codes and states, and the discovery endpoint with random bodies.
    const callbacks = sample(
      fc.dictionary(fc.constantFrom("code", "state", "error", "iss", "session_state"), fc.string(), {
        maxKeys: 4,
      }),
      9_007,
    );
    await sendAll(
      callbacks.map((query) => ({
        target: "oidc",
        method: "GET",
        path: `${base}/sso/oidc/${platform.organization}/callback?${new URLSearchParams(query)}`,
        headers: {},
      })),
    );

    const health = await fetch(`${base}/healthz`);
    if (health.status !== 200) failures.push(`healthz ${health.status} after the run`);
    const result = {
      fuzz: "custodian",
      seed,
      runs_per_target: runs,
      routes: routes.length,
      requests: counts.requests,
      by_target: counts.byTarget,
      statuses: counts.statuses,
      server_errors: counts.serverErrors,
      unanswered: counts.unanswered,
      crashed: health.status !== 200,
      seconds: Math.round((Date.now() - started) / 1000),
      // The server runs in this process: its memory is this process's.
      rss_mb: { start: rssStart, end: residentMegabytes() },
    };
    for (const failure of failures) console.error(failure);
    console.log(JSON.stringify(result));
    return counts.serverErrors === 0 && counts.unanswered === 0 && health.status === 200 ? 0 : 1;
  } finally {
    await fixture.close();
    await upstream.close();
  }
}

process.exitCode = await main();
