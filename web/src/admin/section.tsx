// The frame of an admin screen: a title, a line of explanation, the error in place with a retry.
import type { ReactNode } from "react";

export function Section({
  title,
  description,
  error,
  onRetry,
  children,
}: {
  title: string;
  description: string;
  error?: string | null;
  onRetry?: () => void;
  children: ReactNode;
}) {
  return (
    <section className="admin-section" aria-labelledby={`section-${title}`}>
      <h2 id={`section-${title}`}>{title}</h2>
      <p className="muted">{description}</p>
      {error && (
        <div className="error-box" role="alert">
          <span>{error}</span>
          {onRetry && (
            <button type="button" className="button small" onClick={onRetry}>
              Retry
            </button>
          )}
        </div>
      )}
      {children}
    </section>
  );
}
