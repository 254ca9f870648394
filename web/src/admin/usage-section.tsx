// Usage per day for the last weeks, as a bar chart of tokens, with a table by project and model.
import { useState } from "react";
import { Section } from "./section.tsx";
import { useResource } from "./use-resource.ts";

interface UsageRow {
  day: string;
  project: string;
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
}

export function UsageSection() {
  const [days, setDays] = useState(14);
  const usage = useResource<{ data: UsageRow[] }>(`/api/admin/usage?days=${days}`);
  const rows = usage.data?.data ?? [];
  const byDay = new Map<string, number>();
  for (const row of rows)
    byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.input_tokens + row.output_tokens);
  const series = [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b));
  const peak = Math.max(1, ...series.map(([, tokens]) => tokens));
  return (
    <Section
      title="Usage"
      description="Tokens per day across all projects and models."
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
      <svg
        className="chart"
        viewBox={`0 0 ${Math.max(series.length, 1) * 24} 100`}
        role="img"
        aria-label="Tokens per day"
      >
        {series.map(([day, tokens], index) => (
          <rect
            key={day}
            x={index * 24 + 4}
            y={100 - (tokens / peak) * 96}
            width={16}
            height={(tokens / peak) * 96}
          >
            <title>{`${day}: ${tokens} tokens`}</title>
          </rect>
        ))}
      </svg>
      {series.length === 0 && <p className="muted">No usage in this period.</p>}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Project</th>
            <th scope="col">Model</th>
            <th scope="col">Requests</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.day}-${row.project}-${row.model}`}>
              <td>{row.day}</td>
              <td>{row.project}</td>
              <td>{row.model}</td>
              <td>{row.requests}</td>
              <td>{row.input_tokens}</td>
              <td>{row.output_tokens}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
