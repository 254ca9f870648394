// The one place a training run gets its input (OWN-1): a `fine-tune` file of the job's own organisation,
// read through the files service, which refuses every other id (conversations, API records, other
// organisations' files, files of other purposes) with the same answer.
import type { FileService } from "../files/file-service.ts";
import type { TrainingExample } from "./trainer/training-tokens.ts";

export interface TrainingInputRequest {
  organizationId: string;
  /** The id of the job's training or validation file. */
  file: string;
  /** Which of the two, for the error a refused id gets. */
  param?: "training_file" | "validation_file";
}

export type TrainingInput = (request: TrainingInputRequest) => Promise<TrainingExample[]>;

export function trainingInput(files: FileService): TrainingInput {
  return async ({ organizationId, file, param = "training_file" }) => {
    const examples = await files.fineTuneExamples(organizationId, file, param);
    return examples.map((example) => ({ messages: example.messages.map((message) => ({ ...message })) }));
  };
}
