// `npm run bench -- all`: every benchmark, one after another (each in its own process, so none warms
// or loads the next), its output passed to stderr for the reader, and one JSON object on stdout at
// the end whose keys are the benchmarks: each one's exit status, seconds, and the JSON summary it
// printed last (null for one that prints none or failed before it).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const runner = fileURLToPath(new URL("./run.ts", import.meta.url));

interface Outcome {
  exit_code: number | null;
  seconds: number;
  result: unknown;
}

function lastJsonObject(line: string, previous: unknown): unknown {
  if (!line.startsWith("{")) return previous;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return previous;
  }
}

async function runOne(name: string): Promise<Outcome> {
  const started = Date.now();
  const child = spawn(process.execPath, [runner, name], { stdio: ["ignore", "pipe", "inherit"] });
  let result: unknown = null;
  for await (const line of createInterface({ input: child.stdout })) {
    process.stderr.write(`${line}\n`);
    result = lastJsonObject(line.trim(), result);
  }
  const exitCode = await new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
  return { exit_code: exitCode, seconds: Math.round((Date.now() - started) / 100) / 10, result };
}

/** Runs `names` in order; the exit status is 1 when any benchmark failed. */
export async function runAll(names: readonly string[]): Promise<number> {
  const summary: Record<string, Outcome> = {};
  for (const name of names) {
    process.stderr.write(`\n[bench all] ${name}\n`);
    summary[name] = await runOne(name);
  }
  console.log(JSON.stringify(summary));
  return Object.values(summary).every((outcome) => outcome.exit_code === 0) ? 0 : 1;
}
