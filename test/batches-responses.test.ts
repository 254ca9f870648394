// /v1/batches of /v1/responses requests with the official client, on a fake upstream (translated onto
// chat completions, and passed through to its own Responses API) and on the local demo model: each
// line runs through the live route's own function, its output body is the Responses object the live
// route answers, stored-response rules hold per line (`store` default true, `store: false` and ZDR keep
// nothing, a `previous_response_id` to what was not stored fails that line), a streamed line is
// refused, and what a batch of responses stores is sealed at rest.
import { toFile } from "openai";
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDemoAndUpstream } from "./helpers/demo-and-upstream.ts";
import { type TestPlatform, scanSources } from "./helpers/platform.ts";
import { foundAnywhere, rawScan } from "./helpers/raw-scan.ts";
import { textScript, type ScriptedUpstream } from "./helpers/scripted-upstream.ts";
import { upstreamResponseText } from "./helpers/upstream-responses-api.ts";
import { waitFor } from "./helpers/wait-for.ts";

type Body = Record<string, unknown>;
type Line = {
  custom_id: string;
  response: { status_code: number; body: Body } | null;
  error: { code: string } | null;
};

const inputCanary = "CANARY-batch-responses-in-3c81f0";
const outputCanary = "CANARY-batch-responses-out-9e24b7";
const unstoredCanary = "CANARY-batch-responses-unstored-51d6";

const request = (customId: string, body: Body) => ({
  custom_id: customId,
  method: "POST",
  url: "/v1/responses",
  body,
});

/** The text of a Responses object's message items (the client's `output_text`, for a raw body). */
const textOf = (body: Body) =>
  ((body.output as Body[] | undefined) ?? [])
    .filter((item) => item.type === "message")
    .flatMap((item) => item.content as Body[])
    .map((part) => String(part.text ?? ""))
    .join("");

describe("/v1/batches of /v1/responses", () => {
  let upstream: ScriptedUpstream;
  let platform: TestPlatform;
  let client: OpenAI;
  let local: string;

  beforeAll(async () => {
    ({ upstream, platform, client, local } = await startDemoAndUpstream({
      env: { CUSTODIAN_BATCH_CONCURRENCY: "2" },
      upstreams: (baseURL) => [
        {
          name: "with-responses",
          baseURL,
          responsesApi: true,
          models: [{ id: "pass-model", upstream: "pass-name" }],
        },
      ],
      timeout: 300_000,
    }));
  });
  beforeEach(() => upstream.reset());
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  const storedIds = async () =>
    (await platform.server.platform.db.selectFrom("stored_responses").select("id").execute()).map(
      (row) => row.id,
    );

  async function run(lines: unknown[]) {
    const text = lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
    const input = await client.files.create({
      file: await toFile(Buffer.from(text), "responses.jsonl"),
      purpose: "batch",
    });
    const created = await client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/responses",
      completion_window: "24h",
    });
    expect(created.endpoint).toBe("/v1/responses");
    const batch = await waitFor(
      async () => {
        const found = await client.batches.retrieve(created.id);
        return ["completed", "failed", "expired", "cancelled"].includes(found.status) ? found : null;
      },
      { timeoutMs: 600_000, intervalMs: 250 },
    );
    const read = async (id: string | null | undefined): Promise<Line[]> =>
      id
        ? (await (await client.files.content(id)).text())
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Line)
        : [];
    const output = await read(batch.output_file_id);
    const failures = await read(batch.error_file_id);
    const byId = (id: string) => [...output, ...failures].find((line) => line.custom_id === id)!;
    return { batch, output, failures, byId };
  }

  let stored: Body;
  let unstored: Body;

  it("[PLAT-1] [API-1] [API-2] runs each line as the live route: Responses objects out, stored by default, not under store:false, bad lines in the error file", async () => {
    // Every translated answer of this batch carries the output canary (the SEC-1 scan below looks for it).
    upstream.script = textScript(`Noted: ${outputCanary}`);
    const before = await storedIds();
    const { batch, output, failures, byId } = await run([
      request("stored", { model: "up-model", instructions: "Be brief.", input: `Remember ${inputCanary}` }),
      request("unstored", { model: "up-model", input: `Forget ${unstoredCanary}`, store: false }),
      request("passthrough", { model: "pass-model", input: "Search the news" }),
      request("local", { model: local, input: "Hello", max_output_tokens: 4 }),
      request("streamed", { model: "up-model", input: "Hello", stream: true }),
      request("unknown-previous", {
        model: "up-model",
        input: "More",
        previous_response_id: "resp_doesnotexist000000000000",
      }),
      request("background", { model: "up-model", input: "Later", background: true }),
      request("no-model", { input: "Which model?" }),
    ]);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 8, completed: 4, failed: 4 });
    expect(output.map((line) => line.custom_id).sort()).toEqual([
      "local",
      "passthrough",
      "stored",
      "unstored",
    ]);

    // Success lines: the Responses object, with the model name the client asked for.
    for (const line of output) {
      expect(line.response?.status_code).toBe(200);
      expect(line.response?.body).toMatchObject({ object: "response" });
      expect(String(line.response?.body.id)).toMatch(/^resp_/);
    }
    stored = byId("stored").response!.body;
    unstored = byId("unstored").response!.body;
    expect(stored).toMatchObject({
      model: "up-model",
      status: "completed",
      store: true,
      instructions: "Be brief.",
    });
    expect(textOf(stored)).toBe(`Noted: ${outputCanary}`);
    expect(unstored).toMatchObject({ model: "up-model", store: false });
    const passthrough = byId("passthrough").response!.body;
    expect(passthrough).toMatchObject({ model: "pass-model", store: true });
    expect(textOf(passthrough)).toBe(upstreamResponseText);
    expect(upstream.last("/responses")).toMatchObject({ model: "pass-name", store: false });
    const localBody = byId("local").response!.body;
    expect(localBody).toMatchObject({ model: local });
    expect(localBody.status).toMatch(/completed|incomplete/);
    expect((localBody.usage as { output_tokens: number }).output_tokens).toBeLessThanOrEqual(4);
    // Every line reached the upstream as the live route sends it: instructions first.
    expect(
      upstream.requests.some(
        (sent) =>
          JSON.stringify((sent.body.messages as unknown[] | undefined)?.[0]) ===
          JSON.stringify({ role: "system", content: "Be brief." }),
      ),
    ).toBe(true);

    // The live route answers the same object: the same fields, and retrieve gives back the batch's body.
    const live = await client.responses.create({ model: "up-model", input: "Live" });
    const { output_text: _liveText, ...liveBody } = live;
    expect(Object.keys(stored).sort()).toEqual(Object.keys(liveBody).sort());
    const { output_text: _storedText, ...retrieved } = await client.responses.retrieve(String(stored.id));
    expect(retrieved).toEqual(stored);

    // Stored: the three kept lines, and not the store:false one (the positive control is `stored`).
    const added = (await storedIds()).filter((id) => !before.includes(id));
    expect(added).toContain(stored.id);
    expect(added.sort()).toEqual([stored.id, passthrough.id, localBody.id, live.id].map(String).sort());
    expect(added).not.toContain(unstored.id);
    await expect(client.responses.retrieve(String(unstored.id))).rejects.toMatchObject({ status: 404 });

    // Failed lines: the status and OpenAI error body the live route would have answered.
    expect(failures.map((line) => line.custom_id).sort()).toEqual([
      "background",
      "no-model",
      "streamed",
      "unknown-previous",
    ]);
    expect(byId("streamed").response).toMatchObject({
      status_code: 400,
      body: { error: { type: "invalid_request_error", param: "stream" } },
    });
    expect(byId("unknown-previous").response).toMatchObject({
      status_code: 400,
      body: { error: { code: "previous_response_not_found", param: "previous_response_id" } },
    });
    expect(byId("background").response).toMatchObject({
      status_code: 400,
      body: { error: { param: "background" } },
    });
    expect(byId("no-model").response).toMatchObject({
      status_code: 400,
      body: { error: { type: "invalid_request_error", param: "model" } },
    });
    // Error bodies carry fixed wordings, never the line's content.
    expect(JSON.stringify(failures)).not.toContain("Which model?");
  }, 900_000);

  it("[PLAT-1] [API-2] previous_response_id in a batch line: a stored response continues, one not stored fails its line", async () => {
    upstream.queue.push(textScript("Continued."));
    const { batch, byId } = await run([
      request("continues", { model: "up-model", input: "And then?", previous_response_id: stored.id }),
    ]);
    expect(batch.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
    expect(byId("continues").response?.body).toMatchObject({ previous_response_id: stored.id });
    expect(upstream.last("/chat/completions").messages).toEqual([
      { role: "user", content: `Remember ${inputCanary}` },
      { role: "assistant", content: `Noted: ${outputCanary}` },
      { role: "user", content: "And then?" },
    ]);
    const refused = await run([
      request("after-unstored", { model: "up-model", input: "More", previous_response_id: unstored.id }),
    ]);
    expect(refused.batch.request_counts).toEqual({ total: 1, completed: 0, failed: 1 });
    expect(refused.byId("after-unstored").response).toMatchObject({
      status_code: 400,
      body: { error: { code: "previous_response_not_found" } },
    });
  }, 900_000);

  it("[API-2] under zero data retention a batch line's response is answered and nothing is stored", async () => {
    const core = platform.server.platform;
    const organizationId = platform.organization;
    // Positive control: the same line, without ZDR, is stored.
    const control = await run([request("kept", { model: "up-model", input: "Before ZDR" })]);
    const kept = control.byId("kept").response!.body;
    expect(await storedIds()).toContain(kept.id);
    const before = await storedIds();
    await core.privacy.settings.set({ organizationId, zdr: true, actor: "test" });
    core.privacy.admission.invalidate();
    let body: Body;
    try {
      const { batch, byId } = await run([request("zdr", { model: "up-model", input: "Under ZDR" })]);
      expect(batch.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
      body = byId("zdr").response!.body;
      expect(body).toMatchObject({ object: "response", status: "completed" });
      expect(await storedIds()).toEqual(before);
    } finally {
      await core.privacy.settings.set({ organizationId, zdr: false, actor: "test" });
      core.privacy.admission.invalidate();
    }
    // It was never stored, so it cannot be continued once ZDR is off either.
    const after = await run([
      request("after-zdr", { model: "up-model", input: "More", previous_response_id: body.id }),
    ]);
    expect(after.byId("after-zdr").response).toMatchObject({
      status_code: 400,
      body: { error: { code: "previous_response_not_found" } },
    });
  }, 900_000);

  it("[SEC-1] a batch of responses leaves no plaintext at rest: input, results, output files and stored responses are sealed (raw scan of database, blobs and log)", async () => {
    // Positive controls: the canaries really are in what the client reads back...
    const items = await client.responses.inputItems.list(String(stored.id));
    expect(JSON.stringify(items.data)).toContain(inputCanary);
    expect(textOf((await client.responses.retrieve(String(stored.id))) as unknown as Body)).toContain(
      outputCanary,
    );
    const batches = (await client.batches.list({ limit: 100 })).data;
    const first = batches.find((batch) => batch.request_counts?.total === 8)!;
    expect(await (await client.files.content(first.input_file_id)).text()).toContain(unstoredCanary);
    expect(await (await client.files.content(first.output_file_id!)).text()).toContain(outputCanary);
    // ...and the scanner's own canaries prove it reads every place; ours are in none of them.
    const scan = await rawScan(scanSources(platform), { inputCanary, outputCanary, unstoredCanary });
    expect(foundAnywhere(scan)).toEqual({});
  }, 900_000);
});
