// The trust page (PLAT-2): every commitment with its live status (the probes that check the running
// installation, and when they last did) and the tests that prove it in the last test run; each probe
// with what it checks, where its code is and what an owner can do when it fails; the history of the
// last runs; and, for an owner, "Run checks now".
import { useCallback, useEffect, useState } from "react";
import { ApiError, call } from "./api.ts";
import { TrustProbes, TrustHistory, type ProbeInfo, type ProbeResult } from "./trust-probes.tsx";

interface Proof {
  file: string;
  title: string;
  status: "passed" | "failed" | "skipped";
}

type LiveStatus = "passing" | "failing" | "unchecked";

interface CommitmentReport {
  id: string;
  summary: string;
  text: string;
  live: { status: LiveStatus; checkedAt: string | null; probes: ProbeResult[] };
  tests: { status: "proven" | "failing" | "unproven"; proofs: Proof[] };
}

interface TrustPageData {
  complete: boolean;
  checkedAt: string | null;
  testRunAt: string | null;
  commitments: CommitmentReport[];
  settings: Record<string, unknown>;
  probes: ProbeInfo[];
  history: ProbeResult[];
}

const liveText: Record<LiveStatus, string> = {
  passing: "Live check passing",
  failing: "Live check failing",
  unchecked: "Not checked yet",
};
const liveClass: Record<LiveStatus, string> = {
  passing: "proven",
  failing: "failing",
  unchecked: "unverified",
};
const testText = {
  proven: "Tests passed",
  failing: "Tests failing",
  unproven: "No passing test run",
} as const;

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

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

function Commitment({ commitment }: { commitment: CommitmentReport }) {
  const { live, tests } = commitment;
  return (
    <article id={commitment.id} className="card commitment">
      <header>
        <span className="commitment-id">{commitment.id}</span>
        <span className={`status ${liveClass[live.status]}`}>{liveText[live.status]}</span>
      </header>
      <p>{commitment.text}</p>
      <p className="muted">
        Last checked {when(live.checkedAt)}
        {" · "}
        <span className={`status ${tests.status === "proven" ? "proven" : "unverified"}`}>
          {testText[tests.status]}
        </span>
      </p>
      <p className="commitment-probes">
        Probes:{" "}
        {live.probes.length === 0
          ? "none has run yet"
          : live.probes.map((probe, index) => (
              <span key={probe.probe}>
                {index > 0 && ", "}
                <a href={`#probe-${probe.probe}`}>{probe.probe}</a> ({probe.status})
              </span>
            ))}
      </p>
      {live.probes.some((probe) => probe.failure) && (
        <p className="error" role="status">
          {live.probes
            .filter((probe) => probe.status === "failed")
            .map((probe) => `${probe.probe}: ${probe.failure}`)
            .join("; ")}{" "}
          <a href={`#probe-${live.probes.find((probe) => probe.status === "failed")?.probe ?? ""}`}>
            What to do
          </a>
        </p>
      )}
      {tests.proofs.length > 0 && (
        <details>
          <summary>
            {tests.proofs.length} test{tests.proofs.length === 1 ? "" : "s"} in the last test run
          </summary>
          <ul>
            {tests.proofs.map((proof) => (
              <li key={`${proof.file}:${proof.title}`}>
                <span className={`status ${proof.status === "passed" ? "proven" : "unverified"}`}>
                  {proof.status}
                </span>{" "}
                {proof.title} <code className="muted">{proof.file}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
    </article>
  );
}

export function TrustPage() {
  const [report, setReport] = useState<TrustPageData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [canRun, setCanRun] = useState(false);
  const [running, setRunning] = useState(false);

  const load = useCallback(() => {
    call<TrustPageData>("GET", "/api/trust")
      .then(setReport)
      .catch(() => setError("The trust report could not be loaded."));
  }, []);

  useEffect(() => {
    load();
    // Signed-in owners may run the checks; anyone else just reads the page.
    call<{ permissions: string[] }>("GET", "/api/admin/me")
      .then((me) => setCanRun(me.permissions.includes("trust.verify")))
      .catch(() => setCanRun(false));
  }, [load]);

  async function runNow() {
    setRunning(true);
    setError(null);
    try {
      await call("POST", "/api/trust/verify");
      load();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "The checks could not be run.");
    } finally {
      setRunning(false);
    }
  }

  const passing =
    report?.commitments.filter((commitment) => commitment.live.status === "passing").length ?? 0;
  return (
    <main className="trust">
      <header className="trust-header">
        <a className="brand" href="/">
          <span className="brand-mark" aria-hidden="true" />
          Custodian
        </a>
        <h1>Trust</h1>
        <p className="muted">
          Every privacy and security commitment, checked continuously by live probes against this running
          installation, with the automated tests that prove it and the settings in force.
        </p>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <>
          <section className="live card" aria-label="Live status">
            <h2>
              {passing} of {report.commitments.length} commitments pass their live checks
            </h2>
            <p className="muted">
              Last checked {when(report.checkedAt)}.{" "}
              {report.testRunAt ? `Tests last run ${when(report.testRunAt)}.` : "No test run recorded here."}
            </p>
            {canRun && (
              <button
                type="button"
                className="button primary"
                onClick={() => void runNow()}
                disabled={running}
              >
                {running ? "Running checks…" : "Run checks now"}
              </button>
            )}
            <dl>
              {Object.entries(report.settings).map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{describe(value)}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section className="commitments" aria-label="Commitments">
            {report.commitments.map((commitment) => (
              <Commitment key={commitment.id} commitment={commitment} />
            ))}
          </section>
          <TrustProbes probes={report.probes} latest={report.commitments.flatMap((c) => c.live.probes)} />
          <TrustHistory history={report.history} />
        </>
      )}
    </main>
  );
}
