// Times one step of the backup benchmark as child processes: its wall time, and the peak resident memory
// of each process in it as `/usr/bin/time -f %M` reports it (the kernel's maximum RSS at exit). A step is
// a shell pipeline whose processes each run under /usr/bin/time; the pipeline fails if any part fails.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const timeCommand = "/usr/bin/time";

export interface Timed {
  seconds: number;
  /** Peak RSS in MB (2^20 bytes) of each process, in the order given. */
  peakMegabytes: number[];
}

/** Quotes a word for bash. */
export function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `stages` as one pipeline (`a | b | c`, then `> output` when given), each under /usr/bin/time.
 * Rejects with the captured output when the pipeline fails.
 */
export async function timedPipeline(
  stages: string[][],
  options: { env?: Record<string, string>; output?: string } = {},
): Promise<Timed> {
  const scratch = mkdtempSync(path.join(tmpdir(), "custodian-bench-time-"));
  try {
    const reports = stages.map((_, index) => path.join(scratch, `stage-${index}.txt`));
    const script =
      "set -o pipefail; " +
      stages
        .map((words, index) =>
          [timeCommand, "-f", "%M", "-o", reports[index]!, ...words].map(shellWord).join(" "),
        )
        .join(" | ") +
      (options.output ? ` > ${shellWord(options.output)}` : "");
    const started = performance.now();
    const child = spawn("bash", ["-c", script], {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let errors = "";
    child.stderr.on("data", (chunk: Buffer) => {
      errors = (errors + chunk.toString()).slice(-8192);
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0)
      throw new Error(`${stages.map((words) => words[0]).join(" | ")} failed (${code}): ${errors}`);
    return {
      seconds,
      peakMegabytes: reports.map((report) => {
        // The last line is the figure; a line above it may say the command's exit status.
        const lines = existsSync(report) ? readFileSync(report, "utf8").trim().split("\n") : [];
        return Number(lines[lines.length - 1]) / 1024;
      }),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
