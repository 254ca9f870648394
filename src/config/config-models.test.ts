// The settings of local models: CUSTODIAN_MODELS, the llama provider's knobs and the hub to pull from.
import { availableParallelism } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { settingOf } from "../../test/helpers/config.ts";
import { loadConfig } from "./config.ts";

describe("local model settings", () => {
  it("has defaults: no models, one thread per core, the public hub", () => {
    const config = loadConfig({});
    expect(config.models).toEqual([]);
    expect(config.llama.threads).toBe(availableParallelism());
    expect(config.llama).toMatchObject({ parallel: 4, queue: 64, contextSize: 4096 });
    expect(config.hfEndpoint).toBe("https://huggingface.co");
    expect(config.demoModel).toBe(true);
    expect(loadConfig({ CUSTODIAN_DEMO_MODEL: "0" }).demoModel).toBe(false);
  });

  it("reads CUSTODIAN_MODELS as a JSON array of {id, path} with absolute paths", () => {
    const config = loadConfig({
      CUSTODIAN_MODELS: JSON.stringify([{ id: "tiny", path: "models/tiny.gguf" }]),
      CUSTODIAN_LLAMA_THREADS: "3",
      CUSTODIAN_HF_ENDPOINT: "http://127.0.0.1:9999/",
    });
    expect(config.models).toEqual([{ id: "tiny", path: path.resolve("models/tiny.gguf") }]);
    expect(config.llama.threads).toBe(3);
    expect(config.hfEndpoint).toBe("http://127.0.0.1:9999");
    expect(Object.isFrozen(config.models[0])).toBe(true);
  });

  it("names the bad part of CUSTODIAN_MODELS and the llama settings", () => {
    expect(settingOf({ CUSTODIAN_MODELS: "[" })).toBe("CUSTODIAN_MODELS");
    expect(settingOf({ CUSTODIAN_MODELS: '{"id":"a"}' })).toBe("CUSTODIAN_MODELS");
    expect(settingOf({ CUSTODIAN_MODELS: '["a"]' })).toBe("CUSTODIAN_MODELS[0]");
    expect(settingOf({ CUSTODIAN_MODELS: '[{"id":"a b","path":"/m.gguf"}]' })).toBe("CUSTODIAN_MODELS[0].id");
    expect(settingOf({ CUSTODIAN_MODELS: '[{"id":"a","path":"/m.bin"}]' })).toBe("CUSTODIAN_MODELS[0].path");
    expect(settingOf({ CUSTODIAN_MODELS: '[{"id":"a","path":"/m.gguf"},{"id":"a","path":"/n.gguf"}]' })).toBe(
      "CUSTODIAN_MODELS[1].id",
    );
    expect(
      settingOf({
        CUSTODIAN_UPSTREAMS: '[{"name":"u","baseURL":"http://127.0.0.1:8000","models":["a"]}]',
        CUSTODIAN_MODELS: '[{"id":"a","path":"/m.gguf"}]',
      }),
    ).toBe("CUSTODIAN_MODELS[0].id");
    expect(settingOf({ CUSTODIAN_LLAMA_THREADS: "0" })).toBe("CUSTODIAN_LLAMA_THREADS");
    expect(settingOf({ CUSTODIAN_LLAMA_PARALLEL: "many" })).toBe("CUSTODIAN_LLAMA_PARALLEL");
    expect(settingOf({ CUSTODIAN_HF_ENDPOINT: "ftp://hub" })).toBe("CUSTODIAN_HF_ENDPOINT");
    expect(settingOf({ CUSTODIAN_DEMO_MODEL: "maybe" })).toBe("CUSTODIAN_DEMO_MODEL");
  });
});
