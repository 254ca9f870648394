// The built-in demo model as a local model entry: built (or read from the data directory's cache) when
// a server starts with no model configured, labelled `{ demo: true }` wherever models are listed. A
// failure to build it is logged and leaves the server running without it.
import type { Logger } from "pino";
import type { LocalModelEntry } from "../inference/llama/llama-provider.ts";

export async function demoModelEntry(dataDir: string, logger: Logger): Promise<LocalModelEntry | null> {
  const started = Date.now();
  try {
    let epochs = 0;
    // Imported here: only a server with no model configured builds the demo model, and the builder
    // brings the GGUF writer and the trainer with it.
    const { ensureDemoModel } = await import("./demo-model.ts");
    const demo = await ensureDemoModel(dataDir, {
      onProgress: (progress) => {
        if (progress.type === "epoch") epochs += 1;
      },
    });
    logger.info({ model: demo.id, epochs, ms: Date.now() - started }, "demo model ready");
    return { id: demo.id, path: demo.path, metadata: { demo: true } };
  } catch (error) {
    logger.error(
      { failure: error instanceof Error ? error.name : typeof error, ms: Date.now() - started },
      "the demo model could not be built; serving without it",
    );
    return null;
  }
}
