// The sources an answer was given from the user's documents: each citation's number, file, page or
// section, and the passage itself, opened in place.
import type { Citation } from "../api.ts";

export function where(citation: Citation): string {
  return [citation.filename, citation.page === null ? null : `page ${citation.page}`, citation.section]
    .filter(Boolean)
    .join(" · ");
}

export function Citations({ citations }: { citations: readonly Citation[] }) {
  if (citations.length === 0) return null;
  return (
    <section className="citations" aria-label="Sources">
      <h3 className="citations-title">Sources</h3>
      <ol>
        {citations.map((citation) => (
          <li key={citation.number}>
            <details>
              <summary>
                <span className="citation-number">[{citation.number}]</span> {where(citation)}
              </summary>
              <blockquote className="citation-passage">{citation.passage}</blockquote>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
