// POST /v1/moderations refuses what its classifiers cannot read (an image part is never dropped), and
// names the model that classified the input, not the OpenAI model a client named. With the official client.
import { describe, expect, it } from "vitest";
import { useTestPlatform } from "./helpers/platform.ts";

describe("[API-3] moderation parameters are honoured or refused", () => {
  const platform = useTestPlatform();

  it("refuses an image part beside text with a 400 naming it; text parts alone are classified", async () => {
    const client = platform.client();
    const refused = client.moderations.create({
      input: [
        { type: "text", text: "a recipe for bread" },
        { type: "image_url", image_url: { url: "https://example.com/unsafe.png" } },
      ],
    });
    await expect(refused).rejects.toMatchObject({
      status: 400,
      param: "input[1]",
      code: "unsupported_parameter",
    });
    // Positive control: the same request with text parts only is answered, and the parts are read.
    const answered = await client.moderations.create({
      input: [
        { type: "text", text: "a recipe for bread" },
        { type: "text", text: "I will kill you tomorrow with a knife" },
      ],
    });
    expect(answered.results).toHaveLength(1);
    expect(answered.results[0]!.flagged).toBe(true);
  });

  it("takes OpenAI's model names, and reports the built-in classifier that answered them", async () => {
    const client = platform.client();
    for (const model of [
      "omni-moderation-latest",
      "text-moderation-stable",
      "custodian-moderation-builtin",
    ]) {
      const answer = await client.moderations.create({ model, input: "hello" });
      expect(answer.model).toBe("custodian-moderation-builtin");
      expect(answer.results[0]!.flagged).toBe(false);
    }
    expect((await client.moderations.create({ input: "hello" })).model).toBe("custodian-moderation-builtin");
  });
});
