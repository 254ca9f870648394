// The trust probes' own model (PLAT-2): it answers by repeating the last user message, so that probes can
// send canaries through the whole /v1 pipeline (key, policies, route, observers) without a real model and
// without sending anything out of the installation. Only the installation's internal organisations (the
// probe organisations) can see or call it; for everyone else it does not exist.
import type { ChatRequest, ChatResult, LanguageModel, StreamPart } from "./language-model.ts";
import type { PrivateModelSource } from "./private-models.ts";

/** The prefix of the probe model's id in the model router. */
export const probeModelPrefix = "custodian-probe:";
export const probeModelId = `${probeModelPrefix}echo`;

function answer(request: ChatRequest): string {
  const last = request.messages.findLast((message) => message.role === "user");
  return `${typeof last?.content === "string" ? last.content : ""} (answer)`;
}

function usageOf(text: string) {
  const tokens = Math.max(1, Math.ceil(text.length / 4));
  return { prompt_tokens: tokens, completion_tokens: tokens, total_tokens: 2 * tokens };
}

const echoModel: LanguageModel = {
  specificationVersion: "v1",
  id: probeModelId,
  ownedBy: "custodian",
  backend: "local",
  async generate(request): Promise<ChatResult> {
    const text = answer(request);
    return {
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: usageOf(text),
    };
  },
  async *stream(request): AsyncIterable<StreamPart> {
    const text = answer(request);
    yield { type: "delta", index: 0, delta: { role: "assistant", content: text }, finishReason: null };
    yield { type: "delta", index: 0, delta: {}, finishReason: "stop" };
    yield { type: "usage", usage: usageOf(text) };
  },
};

/** The probe model as a private-model source: found only by an internal organisation. */
export function probeModels(isInternal: (organizationId: string) => Promise<boolean>): PrivateModelSource {
  // An organisation never becomes internal or stops being so: ask once per organisation.
  const known = new Map<string, Promise<boolean>>();
  const internal = (organizationId: string) => {
    let answer = known.get(organizationId);
    if (!answer) {
      answer = isInternal(organizationId);
      answer.catch(() => known.delete(organizationId));
      known.set(organizationId, answer);
    }
    return answer;
  };
  return {
    async find(id, organizationId) {
      return id === probeModelId && (await internal(organizationId)) ? echoModel : null;
    },
    async list(organizationId) {
      return (await internal(organizationId)) ? [echoModel] : [];
    },
  };
}
