// The trust page: every commitment Custodian makes, its live status, and the tests that prove it.
import { useEffect, useState } from "react";
import { call } from "./api.ts";

interface Proof {
  file: string;
  title: string;
  status: string;
}

interface CommitmentReport {
  id: string;
  summary: string;
  status: "proven" | "failing" | "unverified" | "missing";
  proofs: Proof[];
}

interface TrustReport {
  complete: boolean;
  testRunAt: string | null;
  commitments: CommitmentReport[];
  live: Record<string, unknown>;
}

const statusText: Record<CommitmentReport["status"], string> = {
  proven: "Proven",
  failing: "Failing",
  unverified: "Not yet verified",
  missing: "No proof yet",
};

/** "maxDays" -> "max days" */
function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "not set";
  if (Array.isArray(value)) return value.length ? value.map(describe).join("; ") : "none";
  if (typeof value === "object")
    return Object.entries(value)
      .map(([key, inner]) => `${words(key)}: ${describe(inner)}`)
      .join(", ");
  return String(value);
}

export function TrustPage() {
  const [report, setReport] = useState<TrustReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call<TrustReport>("GET", "/api/trust")
      .then(setReport)
      .catch(() => setError("The trust report could not be loaded."));
  }, []);

  return (
    <main className="trust">
      <header className="trust-header">
        <a className="brand" href="/">
          <span className="brand-mark" aria-hidden="true" />
          Custodian
        </a>
        <h1>Trust</h1>
        <p className="muted">
          Every privacy and security commitment, with the automated tests that prove it and the live settings
          of this installation.
        </p>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <>
          <section className="live card" aria-label="Live settings">
            <h2>This installation</h2>
            <dl>
              {Object.entries(report.live).map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{describe(value)}</dd>
                </div>
              ))}
            </dl>
            <p className="muted">
              {report.testRunAt
                ? `Tests last run ${new Date(report.testRunAt).toLocaleString()}.`
                : "No test run recorded."}
            </p>
          </section>
          <section className="commitments" aria-label="Commitments">
            {report.commitments.map((commitment) => (
              <article key={commitment.id} className="card commitment">
                <header>
                  <span className="commitment-id">{commitment.id}</span>
                  <span className={`status ${commitment.status}`}>{statusText[commitment.status]}</span>
                </header>
                <p>{commitment.summary}</p>
                {commitment.proofs.length > 0 && (
                  <details>
                    <summary>
                      {commitment.proofs.length} proof{commitment.proofs.length === 1 ? "" : "s"}
                    </summary>
                    <ul>
                      {commitment.proofs.map((proof) => (
                        <li key={`${proof.file}:${proof.title}`}>
                          <span className={`status ${proof.status === "passed" ? "proven" : "unverified"}`}>
                            {proof.status}
                          </span>{" "}
                          {proof.title} <span className="muted">({proof.file})</span>
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </article>
            ))}
          </section>
        </>
      )}
    </main>
  );
}
