// API projects and their keys: create a key (shown once), revoke one, see when each was last used.
import { useState } from "react";
import { call } from "../api.ts";
import { Section } from "./section.tsx";
import { change, useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

interface Project {
  id: string;
  name: string;
  allowed_models: string[] | null;
}

interface Key {
  id: string;
  name: string;
  permission: string;
  redacted: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

function ProjectKeys({ project }: { project: Project }) {
  const keys = useResource<{ data: Key[] }>(`/api/admin/projects/${project.id}/keys`);
  const [created, setCreated] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <article className="card project">
      <header>
        <h3>{project.name}</h3>
        <span className="muted">
          {project.id} ·{" "}
          {project.allowed_models === null ? "all models" : `${project.allowed_models.length} models`}
        </span>
      </header>
      {(problem ?? keys.error) && (
        <p className="error" role="alert">
          {problem ?? keys.error}
        </p>
      )}
      {created && (
        <div className="secret" role="status">
          New key, shown this once: <code>{created}</code>
        </div>
      )}
      <Table label="API keys">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Name</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.data.map((key) => (
            <tr key={key.id}>
              <td>
                <code>{key.redacted}</code>{" "}
                {key.permission === "read_only" && <span className="muted">read-only</span>}
              </td>
              <td>{key.name}</td>
              <td>{key.last_used_at ? new Date(key.last_used_at).toLocaleString() : "never"}</td>
              <td>
                {key.revoked_at ? (
                  <span className="muted">revoked</span>
                ) : (
                  <button
                    type="button"
                    className="button small danger"
                    onClick={async () =>
                      setProblem(await change(() => call("DELETE", `/api/admin/keys/${key.id}`), keys.reload))
                    }
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      <button
        type="button"
        className="button small"
        onClick={async () => {
          const name = window.prompt("Name for the new key", "API key");
          if (name === null) return;
          setProblem(
            await change(async () => {
              const result = await call<{ key: string }>("POST", `/api/admin/projects/${project.id}/keys`, {
                name,
              });
              setCreated(result.key);
            }, keys.reload),
          );
        }}
      >
        Create key
      </button>
    </article>
  );
}

export function ApiSection() {
  const projects = useResource<{ data: Project[] }>("/api/admin/projects");
  return (
    <Section
      title="API projects and keys"
      description="Keys are shown once, stored only as hashes, and scoped to one project."
      error={projects.error}
      onRetry={projects.reload}
    >
      {projects.data?.data.map((project) => (
        <ProjectKeys key={project.id} project={project} />
      ))}
    </Section>
  );
}
