// The built-in demo model as a local model entry, for a server that starts with no model configured.
// A cached build is served at once; otherwise it is built in the background, so the platform answers
// within seconds of a first start, and the build's progress is logged and shown in the model picker.
// The build begins when the server says so (once it listens): training takes a whole core, which a
// first start on a small machine needs for itself. A failure to build is logged and leaves the server
// running without it.
import { existsSync } from "node:fs";
import type { Logger } from "pino";
import type { LocalModelEntry } from "../inference/llama/llama-provider.ts";

export const demoModelId = "custodian-demo";

/** A demo model being built: its progress from 0 to 1, and the entry once built (null on failure). */
export interface DemoModelBuild {
  readonly id: string;
  progress(): number;
  readonly ready: Promise<LocalModelEntry | null>;
  /** Begins the build; calling it again does nothing. */
  start(): void;
  /** Stops the build (at shutdown), or prevents it; `ready` then resolves to null. */
  abort(): void;
}

export type DemoModel = { ready: LocalModelEntry } | { building: DemoModelBuild };

export async function demoModel(dataDir: string, logger: Logger): Promise<DemoModel> {
  // Imported here: only a server with no model configured needs the demo model, and the builder
  // brings the GGUF writer and the trainer with it.
  const { ensureDemoModel, demoModelPath, demoModelEpochs } = await import("./demo-model.ts");
  const entry = (path: string): LocalModelEntry => ({ id: demoModelId, path, metadata: { demo: true } });
  if (existsSync(demoModelPath(dataDir))) return { ready: entry(demoModelPath(dataDir)) };

  const controller = new AbortController();
  let epochs = 0;
  let started = 0;
  let begin!: () => void;
  const begun = new Promise<void>((resolve) => (begin = resolve));
  const build = () => {
    started = Date.now();
    logger.info({ model: demoModelId }, "building the demo model in the background (about a minute)");
    return ensureDemoModel(dataDir, {
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.type !== "epoch") return;
        epochs += 1;
        if (epochs % 8 === 0 || epochs === demoModelEpochs)
          logger.info(
            { model: demoModelId, percent: Math.round((100 * epochs) / demoModelEpochs) },
            "demo model build",
          );
      },
    });
  };
  const ready = begun
    .then(() => {
      if (controller.signal.aborted) throw controller.signal.reason;
      return build();
    })
    .then(
      (built) => {
        logger.info({ model: demoModelId, epochs, ms: Date.now() - started }, "demo model ready");
        return entry(built.path);
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          logger.error(
            { failure: error instanceof Error ? error.name : typeof error, ms: Date.now() - started },
            "the demo model could not be built; serving without it",
          );
        return null;
      },
    );
  return {
    building: {
      id: demoModelId,
      progress: () => Math.min(1, epochs / demoModelEpochs),
      ready,
      start: begin,
      abort: () => {
        controller.abort();
        begin();
      },
    },
  };
}
