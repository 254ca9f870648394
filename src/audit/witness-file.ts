// The checkpoint witness every installation has: an append-only file of signed checkpoints in the data
// directory, one JSON line each, fsync'd before a checkpoint counts as published.
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import type { Checkpoint } from "./audit-checkpoint.ts";
import type { CheckpointWitness, WitnessRecords } from "./checkpoint-witness.ts";

export const witnessFileName = "audit-checkpoints.jsonl";

interface WitnessLine {
  at: string;
  tree_size: number;
  note: string;
}

export class WitnessFile implements CheckpointWitness {
  readonly name = "file";
  readonly file: string;
  #directorySynced = false;

  constructor(file: string) {
    this.file = file;
  }

  async publish(checkpoint: Checkpoint): Promise<void> {
    const line: WitnessLine = {
      at: new Date().toISOString(),
      tree_size: checkpoint.size,
      note: checkpoint.note,
    };
    // "a": every write goes to the end; nothing here can overwrite or truncate what is there.
    const handle = await open(this.file, "a+", 0o600);
    try {
      const { size } = await handle.stat();
      let prefix = "";
      if (size > 0) {
        // A crash mid-write leaves a line without its newline: end it, so the next line stays whole.
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = "\n";
      }
      await handle.write(prefix + JSON.stringify(line) + "\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The file's directory entry must be durable too; once per process is enough.
    if (!this.#directorySynced) {
      await syncDirectory(path.dirname(this.file));
      this.#directorySynced = true;
    }
  }

  async read(): Promise<WitnessRecords> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "ENOENT")
        return { notes: [], unreadable: [] };
      throw error;
    }
    const lines = text.split("\n");
    // "" after the final newline; anything else is a line a crash cut short, reported like any other.
    if (lines.at(-1) === "") lines.pop();
    const notes: string[] = [];
    const unreadable: string[] = [];
    lines.forEach((line, index) => {
      try {
        const parsed = JSON.parse(line) as Partial<WitnessLine>;
        if (typeof parsed.note === "string") {
          notes.push(parsed.note);
          return;
        }
      } catch {
        // Counted below.
      }
      // Named without its directory: a verification result reaches organisation auditors too.
      unreadable.push(`${witnessFileName} line ${index + 1}`);
    });
    return { notes, unreadable };
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
