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

/** Strings are one input each; an array of content parts is one input, as in OpenAI's API. */
function inputsOf(input: ModerationBody["input"]): string[] {
  if (typeof input === "string") return [input];
  if (input.every((item) => typeof item === "string")) return input as string[];
  const texts = (input as Array<Static<typeof inputPart>>)
    .filter((part) => part.type === "text" && typeof part.text === "string")
    .map((part) => part.text as string);
  if (texts.length === 0) {
    throw errors.invalidRequest("Only text inputs can be moderated here.", "input", "unsupported_input");
  }
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
