// Who holds the embedded database: PGlite admits one process, so the server and the CLI take turns
// through a lock file naming the holder's pid. A holder that died leaves a lock anyone may take over.
import { readFileSync, unlinkSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";

export interface LockHolder {
  pid: number;
  role: "server" | "cli";
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function lockFile(dataDir: string): string {
  return path.join(dataDir, "db.lock");
}

/** The live holder of the lock, if any. */
export function lockHolder(dataDir: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as LockHolder;
    return holder.pid !== process.pid && alive(holder.pid) ? holder : null;
  } catch {
    return null;
  }
}

/** Take the lock or return who holds it. */
export function acquireLock(dataDir: string, role: LockHolder["role"]): { release(): void } | LockHolder {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = lockFile(dataDir);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, role }), { flag: "wx", mode: 0o600 });
      return {
        release() {
          try {
            unlinkSync(file);
          } catch {
            // Already gone.
          }
        },
      };
    } catch {
      const holder = lockHolder(dataDir);
      if (holder) return holder;
      // A stale lock from a process that died: remove it and try once more.
      try {
        unlinkSync(file);
      } catch {
        // Someone else removed it first.
      }
    }
  }
  const holder = lockHolder(dataDir);
  if (holder) return holder;
  throw new Error(`Could not take the lock ${file}.`);
}
