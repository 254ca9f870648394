// POST /v1/moderations: classify text in OpenAI's moderation response shape. Registered inside the /v1
// plugin, so the API key check there applies.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { moderationResponse } from "../privacy/moderation-response.ts";
import type { ModerationService } from "../privacy/moderation-service.ts";
import { errors } from "../core/errors.ts";

const inputPart = Type.Object(
  {
    type: Type.String(),
    text: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const moderationBody = Type.Object(
  {
    input: Type.Union([
      Type.String(),
      Type.Array(Type.String(), { minItems: 1 }),
      Type.Array(inputPart, { minItems: 1 }),
    ]),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: true },
);

type ModerationBody = Static<typeof moderationBody>;

/**
 * Strings are one input each; an array of content parts is one input, as in OpenAI's API. The
 * classifiers read text only: an image part is refused, never dropped, so an unsafe image beside harmless
 * text cannot come back unflagged.
 */
function inputsOf(input: ModerationBody["input"]): string[] {
  if (typeof input === "string") return [input];
  if (input.every((item) => typeof item === "string")) return input as string[];
  const texts = (input as Array<Static<typeof inputPart> | string>).map((part, index) => {
    if (typeof part === "object" && part.type === "text" && typeof part.text === "string") return part.text;
    throw errors.invalidRequest(
      `'input[${index}]' is not a text part: only text can be moderated here.`,
      `input[${index}]`,
      "unsupported_parameter",
    );
  });
  return [texts.join("\n")];
}

export function moderationRoutes(moderation: ModerationService) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Body: ModerationBody }>(
      "/moderations",
      { schema: { body: moderationBody } },
      async (request, reply) => {
        const controller = new AbortController();
        // The client went away: stop asking a moderation model on its behalf.
        reply.raw.on("close", () => {
          if (!reply.raw.writableFinished) controller.abort();
        });
        const outcome = await moderation.moderate(
          inputsOf(request.body.input),
          request.body.model,
          controller.signal,
        );
        return moderationResponse(outcome.model, outcome.results);
      },
    );
  };
}
