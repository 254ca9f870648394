// Summarises a V8 CPU profile (`node --cpu-prof`): self time by function and by package, for RESULTS.md.
// Usage: node bench/profile-summary.ts <file.cpuprofile> [rows]
// Where the profile's folder holds a `window.json` ({ "start_us", "end_us" }: the monotonic clock's
// microseconds, as `process.hrtime` and V8's profiles count them), only the samples inside it count:
// the gateway benchmark writes one for its throughput phase, so start-up and the latency runs stay out.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { printTable } from "./table.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/** Monotonic microseconds: what V8 stamps its profile samples with. */
export interface ProfileWindow {
  start_us: number;
  end_us: number;
}

export const profileWindowFile = "window.json";

/** Microseconds of the monotonic clock now, comparable with a CPU profile's sample times. */
export function monotonicMicroseconds(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Where a frame's code comes from: a package in node_modules, a file of ours, node itself, or V8. */
function originOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] ?? url;
  if (url.startsWith("node:")) return "node:*";
  const ours = /\/(src|bench)\/(.*)$/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

export function summariseProfile(
  profile: Profile,
  window?: ProfileWindow,
): {
  totalMs: number;
  functions: [string, number][];
  origins: [string, number][];
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    if (window && (at < window.start_us || at > window.end_us)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const functions = new Map<string, number>();
  const origins = new Map<string, number>();
  let totalUs = 0;
  for (const [id, microseconds] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += microseconds;
    const { functionName, url, lineNumber } = node.callFrame;
    const origin = originOf(url, functionName);
    const label = `${functionName || "(anonymous)"} ${origin}${url ? `:${lineNumber + 1}` : ""}`;
    functions.set(label, (functions.get(label) ?? 0) + microseconds);
    origins.set(origin, (origins.get(origin) ?? 0) + microseconds);
  }
  const sorted = (map: Map<string, number>): [string, number][] =>
    [...map]
      .map(([key, value]): [string, number] => [key, value / 1000])
      .sort((left, right) => right[1] - left[1]);
  return { totalMs: totalUs / 1000, functions: sorted(functions), origins: sorted(origins) };
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    console.error("Usage: node bench/profile-summary.ts <file.cpuprofile> [rows]");
    process.exit(2);
  }
  const rows = Number(process.argv[3] ?? 25);
  const windowFile = path.join(path.dirname(file), profileWindowFile);
  const window = existsSync(windowFile)
    ? (JSON.parse(readFileSync(windowFile, "utf8")) as ProfileWindow)
    : undefined;
  if (window)
    console.log(
      `(samples from ${windowFile} only: ${((window.end_us - window.start_us) / 1e6).toFixed(1)} s)`,
    );
  const summary = summariseProfile(JSON.parse(readFileSync(file, "utf8")) as Profile, window);
  const share = (ms: number): string => `${((ms / summary.totalMs) * 100).toFixed(1)}%`;
  printTable(
    `Self time by origin (${summary.totalMs.toFixed(0)} ms sampled)`,
    ["origin", "ms", "share"],
    summary.origins.slice(0, rows).map(([origin, ms]) => [origin, ms.toFixed(0), share(ms)]),
  );
  printTable(
    "Self time by function",
    ["function", "ms", "share"],
    summary.functions.slice(0, rows).map(([label, ms]) => [label, ms.toFixed(0), share(ms)]),
  );
}
