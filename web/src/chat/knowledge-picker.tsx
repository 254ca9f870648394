// Which knowledge collections the open chat's answers draw on (besides its attached files): a menu of
// the collections the user may read, each a checkbox; the answers cite what they were given.
import { useEffect, useState } from "react";
import { call, describeFailure } from "../api.ts";
import type { KnowledgeCollection } from "../knowledge/knowledge-page.tsx";

export function KnowledgePicker({
  chosen,
  onChosen,
}: {
  chosen: string[];
  onChosen: (ids: string[]) => void;
}) {
  const [collections, setCollections] = useState<KnowledgeCollection[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<{ data: KnowledgeCollection[] }>("GET", "/api/knowledge")
      .then((list) => setCollections(list.data))
      .catch((failure: unknown) => setError(describeFailure(failure, "Could not list your collections.")));
  }, []);
  if (!error && collections?.length === 0) return null;
  return (
    <details className="knowledge-picker">
      <summary className="button ghost small">Knowledge{chosen.length ? ` (${chosen.length})` : ""}</summary>
      <fieldset>
        <legend className="visually-hidden">Collections this chat draws on</legend>
        {collections?.map((collection) => (
          <label key={collection.id}>
            <input
              type="checkbox"
              checked={chosen.includes(collection.id)}
              onChange={(event) =>
                onChosen(
                  event.target.checked
                    ? [...chosen, collection.id]
                    : chosen.filter((id) => id !== collection.id),
                )
              }
            />{" "}
            {collection.name}
          </label>
        ))}
        <a className="link" href="/knowledge">
          Manage collections
        </a>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </fieldset>
    </details>
  );
}
