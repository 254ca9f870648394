// The sidebar's list of the user's conversations, most recent first, with a title search.
import { useEffect, useState } from "react";
import { call, type ConversationSummary } from "./api.ts";

export function ConversationList({
  activeId,
  refreshKey,
  onOpen,
}: {
  activeId: string | null;
  refreshKey: number;
  onOpen: (id: string) => void;
}) {
  const [search, setSearch] = useState("");
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const query = new URLSearchParams({ limit: "30", ...(search ? { search } : {}) });
    const timer = setTimeout(
      () => {
        call<{ data: ConversationSummary[]; next: string | null }>(
          "GET",
          `/api/conversations?${query}`,
          undefined,
          controller.signal,
        )
          .then((page) => {
            setItems(page.data);
            setNext(page.next);
            setError(null);
          })
          .catch((failure: Error) => {
            if (failure.name !== "AbortError") setError("Could not load your conversations.");
          });
      },
      search ? 200 : 0,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [search, refreshKey]);

  async function more() {
    if (!next) return;
    const query = new URLSearchParams({ limit: "30", after: next, ...(search ? { search } : {}) });
    const page = await call<{ data: ConversationSummary[]; next: string | null }>(
      "GET",
      `/api/conversations?${query}`,
    );
    setItems((current) => [...current, ...page.data]);
    setNext(page.next);
  }

  return (
    <nav className="conversation-list" aria-label="Conversations">
      <input
        type="search"
        className="search"
        placeholder="Search titles"
        aria-label="Search conversations by title"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <button
              type="button"
              className={item.id === activeId ? "conversation active" : "conversation"}
              aria-current={item.id === activeId ? "page" : undefined}
              onClick={() => onOpen(item.id)}
            >
              <span className="title">{item.title ?? "New conversation"}</span>
              {item.kept_until && (
                <span
                  className="kept"
                  title="Removed by your workspace's retention setting unless used again"
                >
                  kept until {new Date(item.kept_until).toLocaleDateString()}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      {items.length === 0 && !error && (
        <p className="muted empty">{search ? "No titles match." : "No conversations yet."}</p>
      )}
      {next && (
        <button type="button" className="button ghost" onClick={() => void more()}>
          Show more
        </button>
      )}
    </nav>
  );
}
