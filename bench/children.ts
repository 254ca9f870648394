// Runs benchmark servers as child processes: free ports, output capture, readiness polling and cleanup.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** How much of each stream a child keeps; enough to show why it failed to start without growing forever. */
const OUTPUT_LIMIT = 64 * 1024;

export interface ChildService {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with a description of how the child ended (exit code or signal). */
  readonly exited: Promise<string>;
  /** True once the child has ended, whoever ended it. */
  hasExited(): boolean;
  stdout(): string;
  stderr(): string;
  /** Both captured streams, labelled, for error messages. */
  describeOutput(): string;
  /** Resolves with the first stdout line that matches, or rejects if the child ends or time runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL if the child has not ended within the grace period. */
  stop(graceMs?: number): Promise<void>;
}

/** Every child still running, so that an error or a signal anywhere can still end them all. */
const running = new Set<ChildService>();

class OutputTail {
  private text = "";

  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > OUTPUT_LIMIT) this.text = this.text.slice(-OUTPUT_LIMIT);
  }

  toString(): string {
    return this.text;
  }
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ChildService {
  // Pipes rather than inherited stdio: the benchmark's own stdout must stay clean for its final JSON line,
  // and a failed start should show the child's output next to the error.
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = new OutputTail();
  const stderr = new OutputTail();
  const lineListeners = new Set<(line: string) => void>();
  let pendingLine = "";
  let ended = false;

  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  // Always drained, so a chatty child never blocks on a full pipe.
  child.stdout.on("data", (chunk: string) => {
    stdout.append(chunk);
    pendingLine += chunk;
    const lines = pendingLine.split("\n");
    pendingLine = lines.pop() ?? "";
    for (const line of lines) for (const listener of lineListeners) listener(line);
  });
  child.stderr.on("data", (chunk: string) => stderr.append(chunk));

  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => {
      ended = true;
      resolve(`failed to start: ${error.message}`);
    });
    child.once("exit", (code, signal) => {
      ended = true;
      resolve(signal === null ? `exited with code ${code}` : `killed by ${signal}`);
    });
  });

  const service: ChildService = {
    name,
    child,
    exited,
    hasExited: () => ended,
    stdout: () => stdout.toString(),
    stderr: () => stderr.toString(),
    describeOutput() {
      const sections = [`--- ${name} stderr ---\n${stderr.toString().trimEnd() || "(empty)"}`];
      const out = stdout.toString().trimEnd();
      if (out) sections.push(`--- ${name} stdout ---\n${out}`);
      sections.push(`--- end of ${name} output ---`);
      return sections.join("\n");
    },
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const finish = (outcome: () => void): void => {
          clearTimeout(timer);
          lineListeners.delete(onLine);
          outcome();
        };
        const onLine = (line: string): void => {
          const match = line.match(pattern);
          if (match) finish(() => resolve(match));
        };
        const timer = setTimeout(
          () =>
            finish(() => reject(new Error(`${name} printed no line matching ${pattern} in ${timeoutMs} ms`))),
          timeoutMs,
        );
        lineListeners.add(onLine);
        void exited.then((how) =>
          finish(() => reject(new Error(`${name} ${how} before it was ready\n${service.describeOutput()}`))),
        );
      });
    },
    async stop(graceMs = 10_000) {
      if (!ended) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(service);
    },
  };
  running.add(service);
  void exited.then(() => running.delete(service));
  return service;
}

/** Stops every child still running; used on errors and signals. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((service) => service.stop()));
}

// Last resort for paths that skip the orderly stop (process.exit, uncaught errors): no orphaned servers.
process.on("exit", () => {
  for (const service of running) service.child.kill("SIGKILL");
});

/** A port that was free a moment ago; the small race with other programs is acceptable for a benchmark. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the port of a probe socket"));
      });
    });
  });
}

/**
 * Polls a URL until it answers 200. Fails early, with the child's output, if the child ends first, and
 * after timeoutMs otherwise.
 */
export async function waitForHttpOk(
  url: string,
  service: ChildService,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = "no answer yet";
  while (Date.now() < deadline) {
    if (service.hasExited()) {
      throw new Error(
        `${service.name} ${await service.exited} before ${url} answered 200\n${service.describeOutput()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      lastProblem = `status ${response.status}`;
    } catch (error) {
      // fetch reports "fetch failed"; the reason (ECONNREFUSED, say) is in its cause.
      const cause = error instanceof Error ? error.cause : undefined;
      lastProblem =
        cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `${service.name} did not answer 200 on ${url} within ${timeoutMs / 1000} s (last: ${lastProblem})\n` +
      service.describeOutput(),
  );
}
