// Reads the CPU time a serving process has used from /proc: user plus system time of every thread of
// the process and of its descendants (a wrapper that started the real server counts with it), so a
// benchmark can report what each request costs the machine rather than how fast one client can go.
import { readdir, readFile } from "node:fs/promises";

/** Clock ticks per second of /proc's stat times: 100 on every Linux this project runs on. */
const ticksPerSecond = 100;

async function children(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const task of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    const listed = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
    for (const child of listed.split(" ")) if (child.trim()) found.push(Number(child));
  }
  return found;
}

async function ownTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (stat === null) return 0;
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * CPU time used so far, in microseconds, by `pid`, all its threads and all its descendants; null
 * where /proc is not there (not Linux) or the process has ended.
 */
export async function cpuMicroseconds(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  if ((await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null)) === null) return null;
  let ticks = 0;
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    ticks += await ownTicks(next);
    pending.push(...(await children(next)));
  }
  return (ticks / ticksPerSecond) * 1_000_000;
}
