// How long data is kept: conversation retention per workspace, and API retention with zero data retention.
import { useState } from "react";
import { call } from "../api.ts";
import { Section } from "./section.tsx";
import { change, useResource } from "./use-resource.ts";

interface Workspace {
  id: string;
  name: string;
  retention_days: number | null;
}

interface Privacy {
  default_project: { id: string; retention_days: number; zdr: boolean };
}

export function DataSection() {
  const workspaces = useResource<{ data: Workspace[] }>("/api/admin/workspaces");
  const privacy = useResource<Privacy>("/api/admin/privacy");
  const [problem, setProblem] = useState<string | null>(null);

  return (
    <>
      <Section
        title="Conversation retention"
        description="Conversations unused for longer than this are deleted: their keys are destroyed at once and the rows purged within the hour."
        error={problem ?? workspaces.error}
        onRetry={workspaces.reload}
      >
        {workspaces.data?.data.map((workspace) => (
          <form
            key={workspace.id}
            className="inline-form"
            onSubmit={async (event) => {
              event.preventDefault();
              const value = new FormData(event.currentTarget).get("days");
              const days = value === "" || value === null ? null : Number(value);
              setProblem(
                await change(
                  () => call("PUT", `/api/admin/workspaces/${workspace.id}/retention`, { days }),
                  workspaces.reload,
                ),
              );
            }}
          >
            <label>
              {workspace.name}: keep for (days, empty = forever)
              <input name="days" type="number" min={1} defaultValue={workspace.retention_days ?? ""} />
            </label>
            <button type="submit" className="button small">
              Save
            </button>
          </form>
        ))}
      </Section>
      <Section
        title="API data"
        description="API requests and answers are kept encrypted for abuse monitoring only, at most 30 days. Zero data retention keeps nothing."
        error={privacy.error}
        onRetry={privacy.reload}
      >
        {privacy.data && (
          <form
            className="inline-form"
            onSubmit={async (event) => {
              event.preventDefault();
              const form = new FormData(event.currentTarget);
              setProblem(
                await change(
                  () =>
                    call("PUT", "/api/admin/privacy", {
                      retention_days: Number(form.get("retention")),
                      zdr: form.get("zdr") === "on",
                    }),
                  privacy.reload,
                ),
              );
            }}
          >
            <label>
              Keep for (days, 0 to 30)
              <input
                name="retention"
                type="number"
                min={0}
                max={30}
                defaultValue={privacy.data.default_project.retention_days}
              />
            </label>
            <label className="switch">
              <input name="zdr" type="checkbox" defaultChecked={privacy.data.default_project.zdr} />
              Zero data retention
            </label>
            <button type="submit" className="button small">
              Save
            </button>
          </form>
        )}
      </Section>
    </>
  );
}
