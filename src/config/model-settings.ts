// The model settings: OpenAI-compatible servers (CUSTODIAN_UPSTREAMS) and GGUF files served in
// process (CUSTODIAN_MODELS), each entry's schema and the checks across entries, transport included.
import path from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { ConfigError } from "./config-error.ts";
import { jsonList } from "./setting.ts";
import { httpUrl, isLoopbackHost, pemFile } from "./transport.ts";

export interface UpstreamModel {
  /** The name clients use. */
  id: string;
  /** The name the upstream server knows it by. */
  upstreamId: string;
}

export interface UpstreamConfig {
  name: string;
  baseURL: string;
  apiKey: string | null;
  models: UpstreamModel[];
  /** Covered by a business associate agreement: the only backends a HIPAA-mode organisation may use. */
  baa?: boolean;
  /** PEM file of the CA that signs this https upstream's certificate (SEC-2: verified, never skipped). */
  caFile?: string;
  /**
   * The operator accepts plain http to this server on another host (SEC-2's one opt-out, per server):
   * shown on the trust page, and never for a `baa` server, so no HIPAA-mode organisation reaches it.
   */
  allowPlaintext?: boolean;
  /**
   * The server has its own /v1/responses: Responses requests are passed through to it (asked to
   * store nothing) instead of translated onto chat completions.
   */
  responsesApi?: boolean;
}

/** A GGUF model file served in process by the llama provider. */
export interface LocalModelConfig {
  /** The name clients use. */
  id: string;
  /** Absolute path of the .gguf file. */
  path: string;
  /** Marked as covered for HIPAA-mode organisations (it runs in process, on the operator's machine). */
  baa?: boolean;
}

const yesOrNo = { errorMessage: "must be true or false" };

const UpstreamEntry = Type.Object(
  {
    name: Type.String({
      pattern: "^[a-zA-Z0-9_.-]+$",
      description: "the server's name in errors, metrics and the trust page",
      errorMessage: "must be a name of letters, digits, '.', '_' or '-'",
    }),
    baseURL: Type.String({ description: "its /v1 address", errorMessage: "must be an http(s) URL" }),
    apiKey: Type.Optional(
      Type.String({ description: "bearer token it expects", secret: true, errorMessage: "must be a string" }),
    ),
    models: Type.Array(
      Type.Union(
        [Type.String({ minLength: 1 }), Type.Object({ id: Type.String(), upstream: Type.String() })],
        {
          errorMessage: 'must be a model name or {"id","upstream"}',
        },
      ),
      { minItems: 1, errorMessage: "must be a non-empty array" },
    ),
    baa: Type.Optional(
      Type.Boolean({ description: "covered by a business associate agreement", ...yesOrNo }),
    ),
    caFile: Type.Optional(
      Type.String({ description: "PEM CA of an https server", errorMessage: "must be a file path" }),
    ),
    allowPlaintext: Type.Optional(
      Type.Boolean({ description: "accept plain http to another host (never with baa)", ...yesOrNo }),
    ),
    responsesApi: Type.Optional(
      Type.Boolean({
        description: "it answers /v1/responses itself: pass Responses requests through, not translated",
        ...yesOrNo,
      }),
    ),
  },
  { errorMessage: "must be an object" },
);

/** SEC-2: plain http only on this machine, or to a server whose entry opts out (and is not covered). */
function checkTransport(where: string, url: URL, entry: Static<typeof UpstreamEntry>): void {
  const plaintextElsewhere = url.protocol === "http:" && !isLoopbackHost(url.hostname);
  if (plaintextElsewhere && entry.allowPlaintext !== true) {
    throw new ConfigError(
      `${where}.baseURL`,
      "plain http to another host sends prompts and answers across the network unencrypted: use https, " +
        'or add "allowPlaintext": true to this upstream to accept that (shown on the trust page; never with baa)',
    );
  }
  if (entry.allowPlaintext === true) {
    if (!plaintextElsewhere) {
      throw new ConfigError(`${where}.allowPlaintext`, "is only for a plain-http upstream on another host");
    }
    if (entry.baa === true) {
      throw new ConfigError(
        `${where}.allowPlaintext`,
        "cannot be used with baa: a covered model server is reached over TLS, or on this machine",
      );
    }
  }
  if (entry.caFile !== undefined) {
    if (url.protocol !== "https:") throw new ConfigError(`${where}.caFile`, "is for https upstreams only");
    pemFile(`${where}.caFile`, entry.caFile);
  }
}

function decodeUpstreams(entries: Static<typeof UpstreamEntry>[], setting: string): UpstreamConfig[] {
  const seenNames = new Set<string>();
  const seenModels = new Set<string>();
  return entries.map((entry, index): UpstreamConfig => {
    const where = `${setting}[${index}]`;
    if (seenNames.has(entry.name)) throw new ConfigError(`${where}.name`, `'${entry.name}' is used twice`);
    seenNames.add(entry.name);
    const url = httpUrl(`${where}.baseURL`, entry.baseURL);
    checkTransport(where, url, entry);
    const models = entry.models.map((model, modelIndex): UpstreamModel => {
      const result =
        typeof model === "string"
          ? { id: model, upstreamId: model }
          : { id: model.id, upstreamId: model.upstream };
      if (seenModels.has(result.id)) {
        throw new ConfigError(`${where}.models[${modelIndex}]`, `model '${result.id}' is listed twice`);
      }
      seenModels.add(result.id);
      return result;
    });
    return {
      name: entry.name,
      baseURL: url.toString().replace(/\/$/, ""),
      apiKey: entry.apiKey ?? null,
      models,
      // Only when marked: absent means not covered, and not opted out.
      ...(entry.baa === true ? { baa: true } : {}),
      ...(entry.caFile !== undefined ? { caFile: path.resolve(entry.caFile) } : {}),
      ...(entry.allowPlaintext === true ? { allowPlaintext: true } : {}),
      ...(entry.responsesApi === true ? { responsesApi: true } : {}),
    };
  });
}

export const upstreamsSetting = jsonList(
  UpstreamEntry,
  {
    env: "CUSTODIAN_UPSTREAMS",
    description: "OpenAI-compatible model servers (see above)",
    shownDefault: "`[]`",
  },
  decodeUpstreams,
);

const LocalModelEntry = Type.Object(
  {
    id: Type.String({
      pattern: "^[a-zA-Z0-9_.:/-]{1,256}$",
      description: "the name clients use",
      errorMessage: "must be a name of letters, digits, '.', '_', ':', '/' or '-'",
    }),
    path: Type.String({
      pattern: "\\.gguf$",
      description: "the .gguf file",
      errorMessage: "must be the path of a .gguf file",
    }),
    baa: Type.Optional(Type.Boolean({ description: "covered for HIPAA-mode organisations", ...yesOrNo })),
  },
  { errorMessage: 'must be {"id","path"}' },
);

export const modelsSetting = jsonList(
  LocalModelEntry,
  {
    env: "CUSTODIAN_MODELS",
    description: 'local GGUF models, `[{"id","path"}]` (see above)',
    shownDefault: "`[]`",
  },
  (entries, setting): LocalModelConfig[] => {
    const seen = new Set<string>();
    return entries.map((entry, index) => {
      if (seen.has(entry.id))
        throw new ConfigError(`${setting}[${index}].id`, `model '${entry.id}' is listed twice`);
      seen.add(entry.id);
      return { id: entry.id, path: path.resolve(entry.path), ...(entry.baa === true ? { baa: true } : {}) };
    });
  },
);

/** A local model may not take a name an upstream already serves. */
export function checkModelNames(models: LocalModelConfig[], upstreams: UpstreamConfig[]): void {
  const served = new Set(upstreams.flatMap((upstream) => upstream.models.map((model) => model.id)));
  models.forEach((model, index) => {
    if (served.has(model.id)) {
      throw new ConfigError(`CUSTODIAN_MODELS[${index}].id`, `model '${model.id}' is listed twice`);
    }
  });
}
