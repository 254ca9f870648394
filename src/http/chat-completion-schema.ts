// The request schema for POST /v1/chat/completions: what is checked at the edge. Fields the schema
// does not name pass through to the provider, as OpenAI adds parameters faster than gateways do.
import { Type } from "@sinclair/typebox";
import { requestBounds } from "./request-bounds.ts";

const message = Type.Object(
  {
    role: Type.Union([
      Type.Literal("system"),
      Type.Literal("developer"),
      Type.Literal("user"),
      Type.Literal("assistant"),
      Type.Literal("tool"),
    ]),
    content: Type.Optional(
      Type.Union([
        Type.String(),
        Type.Array(Type.Object({ type: Type.String() }), { maxItems: requestBounds.contentParts }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: true },
);

/**
 * `stream_options` of chat and text completions: `include_usage` is honoured. No obfuscation padding is
 * added to streamed chunks, so `include_obfuscation: true` is refused rather than ignored.
 */
export const streamOptions = Type.Optional(
  Type.Union([
    Type.Object(
      {
        include_usage: Type.Optional(Type.Boolean()),
        include_obfuscation: Type.Optional(Type.Union([Type.Literal(false), Type.Null()])),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ]),
);

export const chatCompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    messages: Type.Array(message, { minItems: 1, maxItems: requestBounds.messages }),
    stream: Type.Optional(Type.Boolean()),
    stream_options: streamOptions,
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()])),
    seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 }), Type.Null()])),
    store: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    user: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);
