// A fake moderation model on 127.0.0.1: Llama Guard behind an OpenAI-compatible server is outside the
// system, so tests talk real HTTP to this stand-in instead.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeGuard {
  baseURL: string;
  /** The text of each request's last message, in order. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for Llama Guard behind an OpenAI-compatible server (vLLM, llama-server): it answers
 * "unsafe\nS1,S10" for text with "attack", "confused" with "babble", "safe" otherwise.
 */
export async function startFakeGuard(): Promise<FakeGuard> {
  const seen: string[] = [];
  const server: Server = createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    request.on("end", () => {
      const body = JSON.parse(raw) as { model: string; messages: Array<{ content: string }> };
      const text = body.messages.at(-1)?.content ?? "";
      seen.push(text);
      const answer = text.includes("attack")
        ? "unsafe\nS1,S10"
        : text.includes("babble")
          ? "I think this is about cooking."
          : "safe";
      response.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: "guard",
          object: "chat.completion",
          created: 1,
          model: body.model,
          choices: [{ index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
