// The trust page's probe catalogue and history (PLAT-2): each live probe with what it checks, the
// commitments it covers, its code, its latest result and what an owner can do when it fails; then the
// last runs, newest first.
export interface ProbeResult {
  probe: string;
  commitments: string[];
  status: "passed" | "failed" | "skipped";
  trigger: "start" | "schedule" | "demand";
  startedAt: string;
  durationMs: number;
  checks: string[];
  failure: string | null;
}

export interface ProbeInfo {
  name: string;
  commitments: string[];
  description: string;
  source: string;
  remedy: string;
}

const statusClass = { passed: "proven", failed: "failing", skipped: "unverified" } as const;
const time = (iso: string) => new Date(iso).toLocaleString();

export function TrustProbes({ probes, latest }: { probes: ProbeInfo[]; latest: ProbeResult[] }) {
  const byName = new Map(latest.map((result) => [result.probe, result]));
  return (
    <section className="probes" aria-label="Live probes">
      <h2>Live probes</h2>
      {probes.map((probe) => {
        const result = byName.get(probe.name);
        return (
          <article key={probe.name} id={`probe-${probe.name}`} className="card probe">
            <header>
              <code>{probe.name}</code>
              <span className={`status ${result ? statusClass[result.status] : "unverified"}`}>
                {result ? result.status : "not run yet"}
              </span>
            </header>
            <p>{probe.description}</p>
            <p className="muted">
              Checks{" "}
              {probe.commitments.map((id, index) => (
                <span key={id}>
                  {index > 0 && ", "}
                  <a href={`#${id}`}>{id}</a>
                </span>
              ))}
              {" · "}code: <code>{probe.source}</code>
              {result && ` · last run ${time(result.startedAt)} (${result.durationMs} ms, ${result.trigger})`}
            </p>
            {result && result.checks.length > 0 && (
              <ul>
                {result.checks.map((check) => (
                  <li key={check}>{check}</li>
                ))}
              </ul>
            )}
            {result?.failure && (
              <p className={result.status === "failed" ? "error" : "muted"}>{result.failure}</p>
            )}
            <p className={result?.status === "failed" ? "remedy" : "muted"}>
              <strong>If it fails:</strong> {probe.remedy}
            </p>
          </article>
        );
      })}
    </section>
  );
}

export function TrustHistory({ history }: { history: ProbeResult[] }) {
  return (
    <section className="card trust-history" aria-label="Recent runs">
      <h2>Recent runs</h2>
      {history.length === 0 ? (
        <p className="muted">No probe has run yet: the first round starts a moment after the server does.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Probe</th>
              <th scope="col">Result</th>
              <th scope="col">Took</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {history.map((run) => (
              <tr key={`${run.probe}-${run.startedAt}`}>
                <td>{time(run.startedAt)}</td>
                <td>
                  <a href={`#probe-${run.probe}`}>{run.probe}</a>
                </td>
                <td>
                  <span className={`status ${statusClass[run.status]}`}>{run.status}</span>
                </td>
                <td>{run.durationMs} ms</td>
                <td>{run.trigger}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
