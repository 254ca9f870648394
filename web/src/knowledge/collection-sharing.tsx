// Sharing a knowledge collection with groups: its owner ticks the organisation's groups (their own
// first) and saves; members of those groups then read it (and chat with it) but cannot change it.
import { useState } from "react";
import { call, describeFailure } from "../api.ts";
import type { KnowledgeCollection } from "./knowledge-page.tsx";

export interface KnowledgeGroup {
  id: string;
  name: string;
  /** Whether the signed-in user belongs to it. */
  member: boolean;
}

/** The names of the groups a collection is shared with (an id no longer listed shows as itself). */
export function sharedNames(collection: KnowledgeCollection, groups: readonly KnowledgeGroup[]): string {
  return collection.shared_with.map((id) => groups.find((group) => group.id === id)?.name ?? id).join(", ");
}

export function CollectionSharing({
  collection,
  groups,
  onChanged,
}: {
  collection: KnowledgeCollection;
  groups: readonly KnowledgeGroup[];
  onChanged: () => void;
}) {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(() => new Set(collection.shared_with));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ordered = [...groups].sort(
    (left, right) => Number(right.member) - Number(left.member) || left.name.localeCompare(right.name),
  );

  async function save() {
    setBusy(true);
    setError(null);
    try {
      await call("PUT", `/api/knowledge/${collection.id}/shares`, { group_ids: [...chosen] });
      onChanged();
    } catch (failure) {
      setError(describeFailure(failure, "Could not change who the collection is shared with."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="collection-sharing">
      <summary>Share with groups</summary>
      {ordered.length === 0 ? (
        <p className="muted">Your organisation has no groups yet.</p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <fieldset>
            <legend>Groups that may read “{collection.name}”</legend>
            {ordered.map((group) => (
              <label key={group.id} className="switch">
                <input
                  type="checkbox"
                  checked={chosen.has(group.id)}
                  onChange={(event) => {
                    const next = new Set(chosen);
                    if (event.target.checked) next.add(group.id);
                    else next.delete(group.id);
                    setChosen(next);
                  }}
                />
                {group.name}
                {group.member ? <span className="muted"> (yours)</span> : null}
              </label>
            ))}
          </fieldset>
          <button type="submit" className="button small" disabled={busy}>
            {busy ? "Saving…" : "Save sharing"}
          </button>
        </form>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </details>
  );
}
