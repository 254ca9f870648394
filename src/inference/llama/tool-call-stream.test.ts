// The forced tool-call text followed as it streams: whatever the chunking, the deltas name each call
// first and its arguments reassemble to exactly what the model wrote.
import { describe, expect, it } from "vitest";
import type { ToolCallDelta } from "./llama-protocol.ts";
import { ToolCallStream } from "./tool-call-stream.ts";

const text =
  '[ { "name": "get_weather", "arguments": { "city": "a}{\\"]b", "tags": [1, {"x": []}] } } ,\n' +
  '{"name":"lookup","arguments":{}} ]';
const expected = (JSON.parse(text) as Array<{ name: string; arguments: unknown }>).map((call) => ({
  name: call.name,
  arguments: call.arguments,
}));

function follow(chunks: string[]) {
  const deltas: ToolCallDelta[] = [];
  const stream = new ToolCallStream((delta) => deltas.push(delta));
  for (const chunk of chunks) stream.push(chunk);
  return { calls: stream.calls, deltas };
}

describe("ToolCallStream", () => {
  it("finds every call and its exact arguments, in one chunk or one character at a time", () => {
    for (const chunks of [[text], [...text], text.match(/.{1,7}/gs)!]) {
      const { calls, deltas } = follow(chunks);
      expect(
        calls.map((call) => ({ name: call.name, arguments: JSON.parse(call.arguments) as unknown })),
      ).toEqual(expected);
      for (const [index, call] of calls.entries()) {
        const mine = deltas.filter((delta) => delta.index === index);
        expect(mine[0]).toMatchObject({ id: call.id, name: call.name, arguments: "" });
        expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
        expect(mine.slice(1).every((delta) => delta.id === undefined && delta.name === undefined)).toBe(true);
        expect(mine.map((delta) => delta.arguments).join("")).toBe(call.arguments);
        expect(call.arguments.startsWith("{")).toBe(true);
      }
    }
  });

  it("keeps the calls begun when the text is cut short", () => {
    const { calls } = follow([text.slice(0, text.indexOf("tags"))]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.name).toBe("get_weather");
    expect(follow(['[ { "name": "get_w']).calls).toEqual([]);
  });
});
