// Chatting with documents (issue 20): the seam through which an answer draws on the conversation's
// attachments and the knowledge collections its user picked. The workspace owns the seam; the platform
// wires the documents domain into it, so this folder never reads a document itself. Each answer keeps
// the passages it was given as citations, sealed with the answer under the conversation's key.
import type { Citation, Member } from "./conversation-types.ts";

export type { Citation } from "./conversation-types.ts";

export interface ChatKnowledge {
  /** Throws (404) unless the member may read every one of these collections; asked before anything is saved. */
  check(member: Member, collectionIds: readonly string[]): Promise<void>;
  /**
   * The passages most relevant to a question, from the conversation's attachments and the given
   * collections (each checked against the member's rights at this call); empty when there is nothing to
   * draw on.
   */
  retrieve(
    member: Member,
    conversationId: string,
    question: string,
    collectionIds: readonly string[],
  ): Promise<Omit<Citation, "number">[]>;
}

/** The system text that hands an answer its sources and asks it to cite them by number. */
export function sourcesPrompt(citations: readonly Citation[]): string {
  const sources = citations.map((citation) => {
    const where = [
      citation.filename,
      citation.page === null ? null : `page ${citation.page}`,
      citation.section,
    ]
      .filter(Boolean)
      .join(", ");
    return `[${citation.number}] (${where})\n${citation.passage}`;
  });
  return [
    "Answer using the sources below, taken from the user's documents. Cite each source you use by its",
    "number in square brackets, like [1]. If the sources do not answer the question, say so.",
    "",
    ...sources,
  ].join("\n");
}
