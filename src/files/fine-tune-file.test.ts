import { describe, expect, it } from "vitest";
import { parseFineTuneFile } from "./fine-tune-file.ts";

const limits = { maxBytes: 10_000, maxLines: 5, maxLineBytes: 200 };
const parse = (text: string) => parseFineTuneFile(Buffer.from(text), limits);
const line = (value: unknown) => JSON.stringify(value);

describe("parseFineTuneFile", () => {
  it("reads prompt/completion pairs as chat turns and chat examples as they are, skipping blank lines", () => {
    const examples = parse(
      [
        line({ prompt: "Hi", completion: "Hello" }),
        "",
        line({
          messages: [
            { role: "system", content: "Be brief." },
            { role: "user", content: "Hi" },
            { role: "assistant", content: "Hello" },
          ],
        }),
      ].join("\n") + "\n",
    );
    expect(examples).toEqual([
      {
        messages: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello" },
        ],
      },
      {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello" },
        ],
      },
    ]);
  });

  it("names the line and the problem, never the content", () => {
    const secret = "CANARY-ft6-line-content";
    const cases: Array<[string, RegExp]> = [
      [`${line({ prompt: "a", completion: "b" })}\n{${secret}`, /line 2: not valid JSON/],
      [line([secret]), /line 1: expected a JSON object/],
      [line({ prompt: secret }), /line 1: "completion" must be a string/],
      [
        line({ messages: [{ role: "user", content: secret }] }),
        /line 1: the last message must be an assistant/,
      ],
      [line({ messages: [{ role: "robot", content: secret }] }), /line 1: messages\[0\]\.role/],
      [`\n\n${line({ text: secret })}`, /line 3: expected "prompt" and "completion"/],
      [`${"x".repeat(300)}`, /line 1: longer than 200 bytes/],
      ["\n\n", /no examples/],
    ];
    for (const [text, expected] of cases) {
      let message = "";
      try {
        parse(text);
      } catch (error) {
        expect(error).toMatchObject({ status: 400, param: "file" });
        message = (error as Error).message;
      }
      expect(message).toMatch(expected);
      expect(message).not.toContain(secret);
    }
  });

  it("enforces the size and line-count limits", () => {
    expect(() => parse(line({ prompt: "a", completion: "b" }).padEnd(10_001, " "))).toThrow(
      /at most 10000 bytes/,
    );
    expect(() =>
      parse(
        Array(6)
          .fill(line({ prompt: "a", completion: "b" }))
          .join("\n"),
      ),
    ).toThrow(/at most 5 lines/);
    expect(() => parseFineTuneFile(Buffer.from([0xff, 0xfe]), limits)).toThrow(/not UTF-8/);
  });
});
