// The audit log with filters, and a check of the whole log against its signed checkpoints.
import { useState } from "react";
import { call } from "../api.ts";
import { Section } from "./section.tsx";
import { useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

interface Entry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  metadata: Record<string, unknown>;
}

type Verification =
  { ok: true; entries: number; checkpoints: number } | { ok: false; seq: number; problem: string };

function factText(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** An entry's facts, one "name: value" per line, readable at any width. */
function Facts({ metadata }: { metadata: Record<string, unknown> }) {
  const entries = Object.entries(metadata ?? {});
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <dl className="fact-list">
      {entries.map(([name, value]) => (
        <div key={name} style={{ display: "contents" }}>
          <dt>{name}</dt>
          <dd>{factText(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function AuditSection() {
  const [action, setAction] = useState("");
  const query = new URLSearchParams({ limit: "100", ...(action ? { action } : {}) });
  const entries = useResource<{ data: Entry[] }>(`/api/admin/audit?${query}`);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [checking, setChecking] = useState(false);

  return (
    <Section
      title="Audit log"
      description="Every security-relevant action, in a Merkle tree whose signed checkpoints are kept outside the database. Entries hold ids and facts, never content."
      error={entries.error}
      onRetry={entries.reload}
    >
      <div className="actions">
        <label className="inline-label">
          Action
          <input
            value={action}
            onChange={(event) => setAction(event.target.value)}
            placeholder="e.g. api_key.created"
          />
        </label>
        <button
          type="button"
          className="button small"
          disabled={checking}
          onClick={async () => {
            setChecking(true);
            try {
              setVerification(await call<Verification>("POST", "/api/admin/audit/verify"));
            } finally {
              setChecking(false);
            }
          }}
        >
          {checking ? "Verifying…" : "Verify chain"}
        </button>
        {verification && (
          <span className={verification.ok ? "status proven" : "status failing"} role="status">
            {verification.ok
              ? `Intact: ${verification.entries} entries, ${verification.checkpoints} signed checkpoints`
              : `Broken at entry ${verification.seq}: ${verification.problem}`}
          </span>
        )}
      </div>
      <Table label="Audit entries" stacked>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Facts</th>
          </tr>
        </thead>
        <tbody>
          {entries.data?.data.map((entry) => (
            <tr key={entry.seq}>
              <td data-label="#">{entry.seq}</td>
              <td data-label="Time">{new Date(entry.at).toLocaleString()}</td>
              <td data-label="Actor" className="id-cell">
                {entry.actor}
              </td>
              <td data-label="Action">
                <code>{entry.action}</code>
              </td>
              <td data-label="Target" className="id-cell">
                {entry.target}
              </td>
              <td data-label="Facts" className="facts-cell">
                <Facts metadata={entry.metadata} />
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Section>
  );
}
