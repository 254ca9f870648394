// A checkpoint witness at the security webhook: each signed checkpoint posted to the receiver, which
// keeps it where no one with the database can reach it.
import type { Checkpoint } from "./audit-checkpoint.ts";
import type { CheckpointWitness } from "./checkpoint-witness.ts";

/** What posts the event: the notify domain's WebhookSender has this shape (signed, with retries). */
export interface WitnessWebhook {
  send(event: { type: string; data: Record<string, string | number | boolean | null> }): Promise<boolean>;
}

export const checkpointEventType = "audit.checkpoint";

export class WebhookWitness implements CheckpointWitness {
  readonly name = "webhook";
  readonly #webhook: WitnessWebhook;

  constructor(webhook: WitnessWebhook) {
    this.#webhook = webhook;
  }

  async publish(checkpoint: Checkpoint): Promise<void> {
    const delivered = await this.#webhook.send({
      type: checkpointEventType,
      data: {
        origin: checkpoint.origin,
        tree_size: checkpoint.size,
        root_hash: checkpoint.root.toString("base64"),
        checkpoint: checkpoint.note,
      },
    });
    if (!delivered) throw new Error("The webhook receiver did not accept the checkpoint.");
  }
}
