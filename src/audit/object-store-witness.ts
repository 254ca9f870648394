// A checkpoint witness in the installation's S3 bucket: each checkpoint as its own object, and the
// newest under a fixed name that verification reads back.
import type { Checkpoint } from "./audit-checkpoint.ts";
import type { CheckpointWitness, WitnessRecords } from "./checkpoint-witness.ts";

/** The part of the blob store's interface a witness needs (the files domain's S3 store has it). */
export interface WitnessObjectStore {
  write(key: string, content: Iterable<Buffer>): Promise<number>;
  read(key: string): AsyncIterable<Buffer>;
}

const latestKey = "audit-checkpoint/latest";

export class ObjectStoreWitness implements CheckpointWitness {
  readonly name = "s3";
  readonly #store: WitnessObjectStore;

  constructor(store: WitnessObjectStore) {
    this.#store = store;
  }

  async publish(checkpoint: Checkpoint): Promise<void> {
    const body = Buffer.from(checkpoint.note, "utf8");
    await this.#store.write(`audit-checkpoint/${String(checkpoint.size).padStart(16, "0")}`, [body]);
    // Two nodes may race on "latest" and leave the older one there: verification takes the newest it
    // reads anywhere, and every size keeps its own object.
    await this.#store.write(latestKey, [body]);
  }

  async read(): Promise<WitnessRecords> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.#store.read(latestKey)) chunks.push(chunk);
    } catch (error) {
      if (error instanceof Error && error.name === "BlobNotFoundError") return { notes: [], unreadable: [] };
      throw error;
    }
    return { notes: [Buffer.concat(chunks).toString("utf8")], unreadable: [] };
  }
}
