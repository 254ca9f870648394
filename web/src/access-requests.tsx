// A user's own answer to staff asking to read their conversations (SEC-3): each request with its
// reason, reference and justification; the user chooses which conversations (if any) staff may open,
// for a limited time, or refuses. Nothing is opened without this.
import { useEffect, useState } from "react";
import { ApiError, call, type ConversationSummary } from "./api.ts";

interface AccessRequest {
  id: string;
  reason: string;
  reference: string;
  justification: string;
  created_at: string;
}

function RequestCard({
  request,
  conversations,
  onAnswered,
}: {
  request: AccessRequest;
  conversations: ConversationSummary[];
  onAnswered: () => void;
}) {
  const [chosen, setChosen] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function answer(approve: boolean) {
    setBusy(true);
    setProblem(null);
    try {
      await call(
        "POST",
        `/api/access-requests/${request.id}/${approve ? "approve" : "deny"}`,
        approve ? { conversations: chosen } : undefined,
      );
      onAnswered();
    } catch (failure) {
      setProblem(failure instanceof ApiError ? failure.message : "Your answer was not saved.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="card access-request" aria-label="Access request">
      <h2>Support asks to read some of your conversations</h2>
      <p>
        <strong>{request.reference}</strong>: {request.justification}
      </p>
      <p className="muted">
        Nothing is shared unless you choose it here. Access ends on its own after a limited time, and your
        organisation sees every access.
      </p>
      <fieldset>
        <legend>Conversations support may read</legend>
        {conversations.length === 0 && <p className="muted">You have no conversations to share.</p>}
        <ul className="switch-list">
          {conversations.map((conversation) => (
            <li key={conversation.id}>
              <label className="switch">
                <input
                  type="checkbox"
                  checked={chosen.includes(conversation.id)}
                  onChange={(event) =>
                    setChosen((current) =>
                      event.target.checked
                        ? [...current, conversation.id]
                        : current.filter((id) => id !== conversation.id),
                    )
                  }
                />
                {conversation.title ?? "New conversation"}
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="button small primary"
          disabled={busy || chosen.length === 0}
          onClick={() => void answer(true)}
        >
          {chosen.length === 0
            ? "Allow the chosen conversations"
            : `Allow ${chosen.length === 1 ? "1 conversation" : `${chosen.length} conversations`}`}
        </button>
        <button type="button" className="button small" disabled={busy} onClick={() => void answer(false)}>
          Refuse
        </button>
      </div>
    </article>
  );
}

export function AccessRequests() {
  const [requests, setRequests] = useState<AccessRequest[]>([]);
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    call<{ data: AccessRequest[] }>("GET", "/api/access-requests", undefined, controller.signal)
      .then(async (result) => {
        setRequests(result.data);
        // The user's conversations are needed only to answer a request: fetched only when there is one.
        if (result.data.length > 0) {
          const page = await call<{ data: ConversationSummary[] }>(
            "GET",
            "/api/conversations?limit=100",
            undefined,
            controller.signal,
          );
          setConversations(page.data);
        }
      })
      // A panel that cannot load stays out of the way of the chat; the next visit asks again.
      .catch(() => setRequests([]));
    return () => controller.abort();
  }, [version]);

  if (requests.length === 0) return null;
  return (
    <section className="access-requests" aria-label="Access requests">
      {requests.map((request) => (
        <RequestCard
          key={request.id}
          request={request}
          conversations={conversations}
          onAnswered={() => setVersion((value) => value + 1)}
        />
      ))}
    </section>
  );
}
