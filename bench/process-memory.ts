// Reads the resident memory of a process from /proc, to report what each server under test holds.
import { readFile } from "node:fs/promises";

/** Resident set size in MB (2^20 bytes), or null where /proc is unavailable (not Linux) or the process ended. */
export async function residentMegabytes(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}
