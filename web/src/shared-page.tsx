// A conversation shared inside the organisation: a read-only snapshot for a signed-in member. Anything
// else (another organisation, revoked, expired, deleted) reads as a link that leads nowhere.
import { useEffect, useState } from "react";
import { ApiError, call, describeFailure } from "./api.ts";
import { Markdown } from "./markdown/markdown.tsx";

interface Shared {
  id: string;
  title: string | null;
  model: string;
  shared_at: string;
  expires_at: string | null;
  shared_by_you: boolean;
  messages: Array<{ role: "system" | "user" | "assistant"; content: string; created_at: string }>;
}

export function SharedPage({ shareId }: { shareId: string }) {
  const [shared, setShared] = useState<Shared | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    call<Shared>("GET", `/api/shares/${encodeURIComponent(shareId)}`)
      .then(setShared)
      .catch((failure) =>
        setProblem(
          failure instanceof ApiError && failure.status === 404
            ? "This shared conversation does not exist for you: the link may have been revoked or have expired, or it belongs to another organisation."
            : describeFailure(failure, "Could not open the shared conversation."),
        ),
      );
  }, [shareId]);
  return (
    <div className="shared-page">
      <header className="shared-head">
        <a className="brand" href="/">
          <span className="brand-mark" aria-hidden="true" />
          Custodian
        </a>
        <a className="button small" href="/">
          Back to your chats
        </a>
      </header>
      <main className="shared-main" id="main">
        {problem && (
          <div className="card" role="alert">
            <h1>Not available</h1>
            <p>{problem}</p>
          </div>
        )}
        {shared && (
          <>
            <h1>{shared.title ?? "Shared conversation"}</h1>
            <p className="muted">
              A read-only copy shared {shared.shared_by_you ? "by you" : "with your organisation"} on{" "}
              {new Date(shared.shared_at).toLocaleDateString()}
              {shared.expires_at ? `, until ${new Date(shared.expires_at).toLocaleDateString()}` : ""}. Model:{" "}
              {shared.model}.
            </p>
            <section className="messages" aria-label="Shared messages">
              {shared.messages.map((message, index) => (
                <article
                  key={index}
                  className={`message ${message.role}`}
                  aria-label={message.role === "assistant" ? "Answer" : "Message"}
                >
                  <div className="bubble">
                    {message.role === "assistant" ? (
                      <Markdown text={message.content} />
                    ) : (
                      <p className="plain-text">{message.content}</p>
                    )}
                  </div>
                </article>
              ))}
            </section>
          </>
        )}
        {!shared && !problem && <div className="loading" aria-busy="true" />}
      </main>
    </div>
  );
}
