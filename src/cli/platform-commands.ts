// The commands that are not plain administrative operations: serve the platform, migrate the database,
// pull and list models, and import a user's conversations from a file.
import { collectWhenIdle } from "../core/collect-when-idle.ts";
import { databaseTarget, openDatabase } from "../db/database.ts";
import { serveRole } from "../platform/cluster-serve.ts";
import { startServer, type RunningServer } from "../platform/server.ts";
import { CommandError } from "./admin-client.ts";
import { operationCommand, type Command } from "./command.ts";
import { importCommand } from "./import-command.ts";
import { formatModels } from "./models-list.ts";
import { modelsPull } from "./models-pull.ts";

const serve: Command = {
  words: "serve",
  usage: "",
  description: "start the platform (HTTPS on CUSTODIAN_HOST:CUSTODIAN_PORT)",
  options: {},
  createsDataDir: true,
  async run({ config }) {
    // CUSTODIAN_HTTP_PROCESSES above 1: this process runs the serving ones (platform/cluster-serve.ts).
    const role = serveRole(config);
    if (role.primary) return -1;
    // The handlers go in before the start: the server answers (and an orchestrator may stop it) before
    // startServer returns, and a signal in between must still close it in order, not end the process
    // by Node's default action. A signal during the start closes the server as soon as it has started.
    let server: RunningServer | null = null;
    let stopping = false;
    const stop = () => {
      stopping = true;
      void server?.close().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    server = await startServer(config, undefined, { demoModel: true, adminSocket: role.adminSocket });
    if (stopping) {
      stop();
      return -1;
    }
    // Gives back what start-up and each busy spell grew once the server goes quiet (the database thread
    // does the same for itself, db/pglite-worker.ts).
    collectWhenIdle();
    console.log(
      `Custodian is listening on ${server.url}/ (the web app; the OpenAI-compatible API is at ${server.url}/v1)`,
    );
    if (server.caFile) console.log(`TLS: certificate signed by the local CA in ${server.caFile}`);
    if (server.bootstrapFile)
      console.log(`First start: organisation, project and API key written to ${server.bootstrapFile}`);
    if (server.platform.models.list().length === 0 && server.platform.models.preparing().length === 0) {
      console.log("No models are configured yet: set CUSTODIAN_UPSTREAMS to connect a model server.");
    }
    const demo =
      server.platform.models.list().find((model) => model.metadata?.demo === true) ??
      server.platform.models.preparing()[0];
    if (demo) {
      console.log(
        `${"progress" in demo ? "Building (in the background, about a minute)" : "Serving"} the built-in DEMO model ` +
          `'${demo.id}': a tiny model trained briefly on sample text, for trying ` +
          "Custodian out, not for real work. Pull a real one with `custodian models pull hf:<owner>/<repo>/<file.gguf>` " +
          "or connect a model server with CUSTODIAN_UPSTREAMS.",
      );
    }
    return -1;
  },
};

const migrate: Command = {
  words: "migrate",
  usage: "",
  description: "bring the database schema up to date",
  options: {},
  createsDataDir: true,
  async run({ config }) {
    const db = await openDatabase(databaseTarget(config));
    await db.destroy();
    console.log("The database schema is up to date.");
    return 0;
  },
};

const modelsPullCommand: Command = {
  words: "models pull",
  arguments: "SOURCE",
  usage: "[--id ID] [--json]",
  description:
    "download a GGUF model (SOURCE: hf:OWNER/REPO/FILE.gguf or an https URL) with resume and SHA-256 check, " +
    "and register it",
  options: { id: { type: "string" }, json: { type: "boolean" } },
  async run({ config, flags, arguments: sources, print }) {
    const spec = sources[0];
    if (!spec || sources.length > 1) throw new CommandError("Give one model source to pull.");
    const result = await modelsPull(config, spec, {
      id: typeof flags.id === "string" ? flags.id : undefined,
    });
    print(
      result,
      `Registered ${result.id} (${result.verified ? "SHA-256 verified" : "the server gave no checksum"}): ${result.path}\n` +
        "A running server serves it after a restart.",
    );
    return 0;
  },
};

export const platformCommands: Command[] = [
  serve,
  migrate,
  modelsPullCommand,
  operationCommand("models list", "listModels", { text: formatModels }),
  importCommand,
];
