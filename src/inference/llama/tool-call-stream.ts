// Follows the text a local model writes under the forced tool-call grammar,
// `[{"name":"f","arguments":{...}}, ...]`, and turns it into OpenAI's tool-call deltas as it arrives:
// for each call its index, id and name first, then its arguments in fragments. The grammar guarantees
// the shape (keys in this order, valid JSON), so following it needs only the string and brace state;
// the arguments are handed on as the model wrote them, and the calls so far are known even when the
// answer is cut short by max_tokens.
import { publicToken } from "../../core/ids.ts";
import type { ToolCall, ToolCallDelta } from "./llama-protocol.ts";

/** An OpenAI tool call id. */
export function toolCallId(): string {
  return `call_${publicToken(24)}`;
}

const callHead = /^\s*,?\s*\{\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"arguments"\s*:\s*/;

export class ToolCallStream {
  readonly calls: ToolCall[] = [];
  readonly #onDelta: ((delta: ToolCallDelta) => void) | undefined;
  /** Text not yet consumed: the start of a call's head, until the head is complete. */
  #pending = "";
  /** Inside a call's arguments: the brace depth and string state. */
  #open: { depth: number; inString: boolean; escaped: boolean } | null = null;
  #started = false;

  constructor(onDelta?: (delta: ToolCallDelta) => void) {
    this.#onDelta = onDelta;
  }

  push(text: string): void {
    let rest = text;
    while (rest.length > 0) {
      if (this.#open) {
        const end = this.#scanArguments(rest);
        const fragment = end === -1 ? rest : rest.slice(0, end);
        this.#append(fragment);
        if (end === -1) return;
        this.#open = null;
        rest = rest.slice(end);
        continue;
      }
      this.#pending += rest;
      if (!this.#started) {
        const at = this.#pending.indexOf("[");
        if (at === -1) return;
        this.#pending = this.#pending.slice(at + 1);
        this.#started = true;
      }
      // After a call's arguments: its closing brace, then "," or "]".
      this.#pending = this.#pending.replace(/^\s*\}/, "");
      const head = callHead.exec(this.#pending);
      if (!head) return;
      const call: ToolCall = { id: toolCallId(), name: JSON.parse(`"${head[1]}"`) as string, arguments: "" };
      this.calls.push(call);
      this.#onDelta?.({ index: this.calls.length - 1, id: call.id, name: call.name, arguments: "" });
      rest = this.#pending.slice(head[0].length);
      this.#pending = "";
      this.#open = { depth: 0, inString: false, escaped: false };
    }
  }

  #append(text: string): void {
    const index = this.calls.length - 1;
    // The grammar may put spaces before the arguments' opening brace: not part of them.
    const fragment = this.calls[index]!.arguments === "" ? text.trimStart() : text;
    if (fragment.length === 0) return;
    this.calls[index]!.arguments += fragment;
    this.#onDelta?.({ index, arguments: fragment });
  }

  /** The offset just past the end of the open arguments value in `text`, or -1 if it goes on. */
  #scanArguments(text: string): number {
    const state = this.#open!;
    for (let i = 0; i < text.length; i++) {
      const char = text[i];
      if (state.inString) {
        if (state.escaped) state.escaped = false;
        else if (char === "\\") state.escaped = true;
        else if (char === '"') state.inString = false;
      } else if (char === '"') state.inString = true;
      else if (char === "{" || char === "[") state.depth += 1;
      else if (char === "}" || char === "]") {
        state.depth -= 1;
        if (state.depth === 0) return i + 1;
      }
    }
    return -1;
  }
}
