// Knowledge collections: the signed-in user's own collections, their groups', and those shared with
// their groups (read only). Make one, add files (PDF, DOCX, PPTX, XLSX, CSV, HTML, Markdown, text),
// remove a file, share it with groups, delete it. A chat draws on the collections picked in its
// Knowledge menu and cites them.
import { useCallback, useEffect, useState } from "react";
import { call, describeFailure, upload, type Attachment } from "../api.ts";
import { CollectionSharing, sharedNames, type KnowledgeGroup } from "./collection-sharing.tsx";

export interface KnowledgeCollection {
  id: string;
  name: string;
  owner: { kind: string; id: string };
  shared_with: string[];
  /** "manage": the user's or their group's; "read": shared with one of their groups. */
  access: "manage" | "read";
  documents: number;
  bytes: number;
  created_at: string;
}

function CollectionFiles({
  collection,
  onChanged,
}: {
  collection: KnowledgeCollection;
  onChanged: () => void;
}) {
  const readOnly = collection.access !== "manage";
  const [files, setFiles] = useState<Attachment[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    call<{ files: Attachment[] }>("GET", `/api/knowledge/${collection.id}`)
      .then((opened) => setFiles(opened.files))
      .catch((failure: unknown) => setError(describeFailure(failure, "Could not open the collection.")));
  }, [collection.id]);
  useEffect(load, [load]);

  async function act(work: () => Promise<unknown>, fallback: string) {
    setBusy(true);
    setError(null);
    try {
      await work();
      load();
      onChanged();
    } catch (failure) {
      setError(describeFailure(failure, fallback));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="collection-files">
      {files === null && !error && <p className="muted">Loading…</p>}
      {files && files.length === 0 && <p className="muted">No files yet.</p>}
      {files && files.length > 0 && (
        <ul aria-label={`Files in ${collection.name}`}>
          {files.map((file) => (
            <li key={file.id}>
              <span>
                {file.filename} <span className="muted">{file.pages === null ? "" : `${file.pages} p.`}</span>
              </span>
              {!readOnly && (
                <button
                  type="button"
                  className="button ghost small"
                  disabled={busy}
                  onClick={() =>
                    void act(
                      () => call("DELETE", `/api/knowledge/${collection.id}/files/${file.id}`),
                      `Could not remove ${file.filename}.`,
                    )
                  }
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!readOnly && (
        <label className={`button small${busy ? " disabled" : ""}`}>
          {busy ? "Working…" : "Add a file"}
          <input
            type="file"
            className="visually-hidden"
            disabled={busy}
            accept=".pdf,.docx,.pptx,.xlsx,.csv,.html,.htm,.md,.txt,text/*"
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = "";
              if (file)
                void act(
                  () => upload(`/api/knowledge/${collection.id}/files`, file),
                  `Could not add ${file.name}.`,
                );
            }}
          />
        </label>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function KnowledgePage() {
  const [collections, setCollections] = useState<KnowledgeCollection[] | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [groups, setGroups] = useState<KnowledgeGroup[]>([]);
  useEffect(() => {
    // Without the list, collections still show; sharing then offers no groups.
    call<{ data: KnowledgeGroup[] }>("GET", "/api/knowledge/groups")
      .then((list) => setGroups(list.data))
      .catch(() => setGroups([]));
  }, []);
  const load = useCallback(() => {
    call<{ data: KnowledgeCollection[] }>("GET", "/api/knowledge")
      .then((list) => setCollections(list.data))
      .catch((failure: unknown) => setError(describeFailure(failure, "Could not list your collections.")));
  }, []);
  useEffect(load, [load]);

  async function create() {
    if (!name.trim()) return;
    setError(null);
    try {
      await call("POST", "/api/knowledge", { name: name.trim() });
      setName("");
      load();
    } catch (failure) {
      setError(describeFailure(failure, "Could not make the collection."));
    }
  }

  async function remove(collection: KnowledgeCollection) {
    if (!window.confirm(`Delete “${collection.name}” and every file in it? This cannot be undone.`)) return;
    setError(null);
    try {
      await call("DELETE", `/api/knowledge/${collection.id}`);
      load();
    } catch (failure) {
      setError(describeFailure(failure, `Could not delete ${collection.name}.`));
    }
  }

  return (
    <main className="knowledge">
      <a className="link" href="/">
        ← Back to chat
      </a>
      <h1>Knowledge</h1>
      <p className="muted">
        Collections of documents your chats can draw on. Files are sealed with a key of their collection;
        deleting a collection destroys its key and erases it.
      </p>
      <form
        className="new-collection"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <label htmlFor="collection-name">New collection</label>
        <input
          id="collection-name"
          value={name}
          maxLength={200}
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" className="button primary" disabled={!name.trim()}>
          Make
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {collections === null && !error && <p className="muted">Loading…</p>}
      {collections?.length === 0 && <p className="muted">No collections yet.</p>}
      {collections?.map((collection) => (
        <section key={collection.id} className="collection" aria-label={collection.name}>
          <header>
            <h2>{collection.name}</h2>
            <span className="muted">
              {collection.documents} {collection.documents === 1 ? "file" : "files"}
              {collection.owner.kind === "group" ? " · a group's" : ""}
              {collection.access === "read" ? " · shared with you, read only" : ""}
            </span>
            {collection.access === "manage" && (
              <button type="button" className="button ghost small" onClick={() => void remove(collection)}>
                Delete
              </button>
            )}
          </header>
          {collection.access === "manage" && (
            <p className="muted collection-shared">
              {collection.shared_with.length === 0
                ? "Not shared."
                : `Shared with ${sharedNames(collection, groups)} (read only).`}
            </p>
          )}
          <CollectionFiles collection={collection} onChanged={load} />
          {collection.access === "manage" && (
            <CollectionSharing
              key={collection.shared_with.join(",")}
              collection={collection}
              groups={groups}
              onChanged={load}
            />
          )}
        </section>
      ))}
    </main>
  );
}
