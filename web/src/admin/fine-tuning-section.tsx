// Fine-tuning jobs and their progress (epoch, step, loss), refreshed while a job runs.
import { useEffect } from "react";
import { Section } from "./section.tsx";
import { useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

interface Job {
  id: string;
  model: string;
  status: string;
  fine_tuned_model: string | null;
  trained_tokens: number | null;
  created_at: string;
  latest: { message: string; at: string } | null;
}

const active = new Set(["validating_files", "queued", "running"]);

export function FineTuningSection() {
  const jobs = useResource<{ data: Job[] }>("/api/admin/fine-tuning/jobs");
  const running = jobs.data?.data.some((job) => active.has(job.status)) ?? false;
  const { reload } = jobs;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, 3000);
    return () => clearInterval(timer);
  }, [running, reload]);

  return (
    <Section
      title="Fine-tuning"
      description="Models trained on your organisation's own files, private to it. Jobs are created through the API (/v1/fine_tuning/jobs)."
      error={jobs.error}
      onRetry={reload}
    >
      {jobs.data?.data.length === 0 && <p className="muted">No fine-tuning jobs yet.</p>}
      <Table label="Fine-tuning jobs">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Base model</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {jobs.data?.data.map((job) => (
            <tr key={job.id}>
              <td>
                <code>{job.id}</code>
                <div className="muted">{new Date(job.created_at).toLocaleString()}</div>
              </td>
              <td>{job.model}</td>
              <td>
                <span
                  className={`status ${job.status === "succeeded" ? "proven" : job.status === "failed" ? "failing" : "unverified"}`}
                >
                  {job.status.replace("_", " ")}
                </span>
              </td>
              <td aria-live={active.has(job.status) ? "polite" : undefined}>
                {job.latest?.message ?? "waiting"}
                {job.trained_tokens !== null && (
                  <div className="muted">{job.trained_tokens} tokens trained</div>
                )}
              </td>
              <td>{job.fine_tuned_model ? <code>{job.fine_tuned_model}</code> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Section>
  );
}
