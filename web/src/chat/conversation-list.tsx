// The sidebar's conversations: pinned ones first, the rest grouped by date and paged in as the list
// scrolls (rendered virtually, so thousands stay smooth), and a search in titles and messages.
import { useCallback, useEffect, useRef, useState } from "react";
import { call, describeFailure, type ConversationSummary } from "../api.ts";
import { dateGroup } from "./conversation-actions.ts";
import { ConversationRow, type RowCallbacks } from "./conversation-row.tsx";
import { VirtualList } from "./virtual-list.tsx";

interface Page {
  data: ConversationSummary[];
  next: string | null;
  scanned?: number;
}

type Item = { kind: "header"; label: string } | { kind: "row"; summary: ConversationSummary };

/** A change the chat made (a new conversation, a new message): shown at once, without a reload. */
export interface ListUpdate {
  summary?: ConversationSummary;
  /** A conversation deleted from elsewhere (its own header). */
  removed?: string;
  seq: number;
}

const rowHeight = 52;
const searchRowHeight = 72;
const headerHeight = 32;

function byUpdated(a: ConversationSummary, b: ConversationSummary): number {
  return b.updated_at.localeCompare(a.updated_at) || b.id.localeCompare(a.id);
}

export function ConversationList({
  activeId,
  update,
  callbacks,
}: {
  activeId: string | null;
  update: ListUpdate | null;
  callbacks: Omit<RowCallbacks, "onChanged">;
}) {
  const [search, setSearch] = useState("");
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [scanned, setScanned] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const loadingMore = useRef(false);

  useEffect(() => {
    const controller = new AbortController();
    const words = search.trim();
    setLoading(true);
    const timer = setTimeout(
      () => {
        const get = (query: Record<string, string>) =>
          call<Page>("GET", `/api/conversations?${new URLSearchParams(query)}`, undefined, controller.signal);
        const pages = words
          ? get({ limit: "30", search: words }).then((page) => [page])
          : Promise.all([get({ limit: "100", pinned: "true" }), get({ limit: "50", pinned: "false" })]);
        pages
          .then((loaded) => {
            setItems(loaded.flatMap((page) => page.data));
            setNext(loaded.at(-1)!.next);
            setScanned(loaded[0]!.scanned ?? 0);
            setError(null);
            setLoading(false);
          })
          .catch((failure: Error) => {
            if (failure.name === "AbortError") return;
            setError(describeFailure(failure, "Could not load your conversations."));
            setLoading(false);
          });
      },
      words ? 250 : 0,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [search, version]);

  // The chat's own changes go straight into the list.
  useEffect(() => {
    if (!update) return;
    const { summary, removed } = update;
    if (removed) setItems((current) => current.filter((item) => item.id !== removed));
    if (summary && !search.trim())
      setItems((current) => [summary, ...current.filter((item) => item.id !== summary.id)]);
  }, [update, search]);

  const more = useCallback(async () => {
    if (!next || loadingMore.current) return;
    loadingMore.current = true;
    const words = search.trim();
    const query = new URLSearchParams({
      limit: words ? "30" : "100",
      after: next,
      ...(words ? { search: words } : { pinned: "false" }),
    });
    try {
      const page = await call<Page>("GET", `/api/conversations?${query}`);
      setItems((current) => [
        ...current,
        ...page.data.filter((item) => !current.some((known) => known.id === item.id)),
      ]);
      setNext(page.next);
      setScanned((count) => count + (page.scanned ?? 0));
    } catch (failure) {
      setError(describeFailure(failure, "Could not load more conversations."));
    } finally {
      loadingMore.current = false;
    }
  }, [next, search]);

  const rowCallbacks: RowCallbacks = {
    ...callbacks,
    onChanged: (summary) =>
      setItems((current) => current.map((item) => (item.id === summary.id ? { ...item, ...summary } : item))),
    onDeleted: (id) => {
      setItems((current) => current.filter((item) => item.id !== id));
      callbacks.onDeleted(id);
    },
  };

  const searching = search.trim() !== "";
  const listed: Item[] = [];
  if (searching) for (const summary of items) listed.push({ kind: "row", summary });
  else {
    const pinned = items.filter((item) => item.pinned);
    if (pinned.length) listed.push({ kind: "header", label: "Pinned" });
    for (const summary of pinned) listed.push({ kind: "row", summary });
    let group = "";
    for (const summary of items.filter((item) => !item.pinned).sort(byUpdated)) {
      const label = dateGroup(summary.updated_at);
      if (label !== group) listed.push({ kind: "header", label: (group = label) });
      listed.push({ kind: "row", summary });
    }
  }

  return (
    <nav className="conversation-list" aria-label="Conversations">
      <label className="visually-hidden" htmlFor="conversation-search">
        Search conversations
      </label>
      <input
        id="conversation-search"
        type="search"
        className="search"
        placeholder="Search titles and messages"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      {error && (
        <div className="error-box small" role="alert">
          <span>{error}</span>
          <button type="button" className="button small" onClick={() => setVersion((value) => value + 1)}>
            Retry
          </button>
        </div>
      )}
      {!loading && items.length === 0 && !error && (
        <p className="muted empty">
          {searching ? `Nothing found in ${scanned} conversations.` : "No conversations yet."}
        </p>
      )}
      <VirtualList
        label={searching ? "Search results" : "Your conversations"}
        items={listed}
        keyOf={(item) => (item.kind === "header" ? `h:${item.label}` : item.summary.id)}
        heightOf={(item) => (item.kind === "header" ? headerHeight : searching ? searchRowHeight : rowHeight)}
        onEnd={searching ? undefined : () => void more()}
        render={(item) =>
          item.kind === "header" ? (
            <h2 className="list-group">{item.label}</h2>
          ) : (
            <ConversationRow
              item={item.summary}
              active={item.summary.id === activeId}
              callbacks={rowCallbacks}
            />
          )
        }
      />
      {searching && next && (
        <button type="button" className="button ghost small search-more" onClick={() => void more()}>
          Search older conversations ({scanned} searched)
        </button>
      )}
    </nav>
  );
}
