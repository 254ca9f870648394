// The ledger of destroyed keys (OWN-4): an append-only file outside the database, one line for each
// object whose data key was destroyed. A backup carries wrapped keys; a restore replays this ledger
// before the restored platform serves, so nothing deleted after the backup comes back.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";

/** One destroyed key: the table and row of the object it sealed (ids only, never content). */
export interface LedgerEntry {
  table: string;
  row: string;
  organization: string;
  /** When the key was destroyed (ISO time). */
  at: string;
}

const fileName = "destroyed-keys.jsonl";

export class KeyLedger {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = path.resolve(directory);
  }

  get file(): string {
    return path.join(this.directory, fileName);
  }

  /**
   * Appends entries and waits until they are on disk (fsync). Called right after the transaction that
   * destroyed the keys commits: a crash between the two loses an entry, which the restore's check
   * against a surviving database (see docs/architecture.md) covers.
   */
  record(entries: ReadonlyArray<Omit<LedgerEntry, "at">>): void {
    if (entries.length === 0) return;
    const at = new Date().toISOString();
    const text = entries.map((entry) => JSON.stringify({ ...entry, at }) + "\n").join("");
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    const descriptor = openSync(this.file, "a", 0o600);
    try {
      writeSync(descriptor, text);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
  }

  /** Every entry, oldest first; a torn last line (a crash mid-append) is skipped. */
  entries(): LedgerEntry[] {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return [];
    }
    const entries: LedgerEntry[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const entry = JSON.parse(line) as LedgerEntry;
        if (typeof entry.table === "string" && typeof entry.row === "string") entries.push(entry);
      } catch {
        // A torn write: the line was never fully recorded.
      }
    }
    return entries;
  }
}

/** The ledger's directory: the configured one, or `<data dir>/key-ledger`. */
export function keyLedgerDirectory(config: { dataDir: string; keyLedgerDir?: string | null }): string {
  return config.keyLedgerDir ?? path.join(config.dataDir, "key-ledger");
}
