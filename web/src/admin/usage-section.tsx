// Usage for the last days: a chart of input and output tokens per day with its axes and units, and
// the same period broken down by model and by user (workspace chat counts under its user).
import { useState } from "react";
import { Section } from "./section.tsx";
import { UsageChart } from "./usage-chart.tsx";
import "./usage.css";
import { formatTokens, type UsageRow } from "./usage-format.ts";
import { useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

function Breakdown({
  title,
  rows,
  nameOf,
}: {
  title: string;
  rows: UsageRow[];
  nameOf: (row: UsageRow) => string;
}) {
  const totals = new Map<string, { tokens: number; requests: number }>();
  for (const row of rows) {
    const name = nameOf(row);
    const total = totals.get(name) ?? { tokens: 0, requests: 0 };
    total.tokens += row.input_tokens + row.output_tokens;
    total.requests += row.requests;
    totals.set(name, total);
  }
  const sorted = [...totals.entries()].sort(([, a], [, b]) => b.tokens - a.tokens);
  const peak = Math.max(1, ...sorted.map(([, total]) => total.tokens));
  return (
    <section className="breakdown" aria-label={title}>
      <h3>{title}</h3>
      {sorted.length === 0 && <p className="muted">No usage in this period.</p>}
      <ol>
        {sorted.map(([name, total]) => (
          <li key={name}>
            <span className="label">
              <span className="name" title={name}>
                {name}
              </span>
              <span>
                {formatTokens(total.tokens)} tokens · {total.requests} requests
              </span>
            </span>
            <span className="meter" aria-hidden="true">
              <span style={{ width: `${(total.tokens / peak) * 100}%` }} />
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function UsageSection() {
  const [days, setDays] = useState(14);
  const usage = useResource<{ data: UsageRow[] }>(`/api/admin/usage?days=${days}`);
  const members = useResource<{ data: Array<{ id: string; email: string }> }>("/api/admin/members");
  const rows = usage.data?.data ?? [];
  const emails = new Map((members.data?.data ?? []).map((member) => [member.id, member.email]));
  return (
    <Section
      title="Usage"
      description="Tokens per day across all projects, API keys and workspace chat, in UTC days."
      error={usage.error}
      onRetry={usage.reload}
    >
      <label className="inline-label">
        Period
        <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
          <option value={7}>7 days</option>
          <option value={14}>14 days</option>
          <option value={31}>31 days</option>
        </select>
      </label>
      <UsageChart rows={rows} days={days} />
      <div className="breakdowns">
        <Breakdown title="By model" rows={rows} nameOf={(row) => row.model} />
        <Breakdown
          title="By user"
          rows={rows}
          nameOf={(row) => (row.user ? (emails.get(row.user) ?? row.user) : "API keys (no user)")}
        />
      </div>
      <h3>Every day, project and model</h3>
      <Table label="Usage by day" stacked>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Project</th>
            <th scope="col">Model</th>
            <th scope="col">User</th>
            <th scope="col">Requests</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.day}-${row.project}-${row.model}-${row.user ?? ""}`}>
              <td data-label="Day" className="nowrap">
                {row.day}
              </td>
              <td data-label="Project">{row.project}</td>
              <td data-label="Model">{row.model}</td>
              <td data-label="User">{row.user ? (emails.get(row.user) ?? row.user) : "—"}</td>
              <td data-label="Requests">{row.requests}</td>
              <td data-label="Input tokens">{row.input_tokens}</td>
              <td data-label="Output tokens">{row.output_tokens}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Section>
  );
}
