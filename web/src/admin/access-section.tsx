// Roles (built-in and custom) and the feature switches of the default workspace, with its model allow-list.
import { useState } from "react";
import { call } from "../api.ts";
import { featureNames } from "./feature-names.ts";
import { Section } from "./section.tsx";
import { change, useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

interface Role {
  name: string;
  builtin: boolean;
  permissions: string[];
}

interface Switch {
  scope: string;
  scope_id: string;
  feature: string;
  enabled: boolean;
  models: string[] | null;
}

export function AccessSection() {
  const roles = useResource<{ data: Role[]; permissions: string[] }>("/api/admin/roles");
  const switches = useResource<{ data: Switch[]; features: string[] }>("/api/admin/switches");
  const members = useResource<{ workspace: string }>("/api/admin/members");
  const models = useResource<{ data: Array<{ id: string }> }>("/api/models");
  const [problem, setProblem] = useState<string | null>(null);
  /** Changes shown at once, before the server confirms them; a refused change is taken back. */
  const [pending, setPending] = useState<Record<string, Pick<Switch, "enabled" | "models">>>({});
  const workspace = members.data?.workspace;

  function switchOf(feature: string): Pick<Switch, "enabled" | "models"> | undefined {
    return (
      pending[feature] ??
      switches.data?.data.find((item) => item.scope === "workspace" && item.feature === feature)
    );
  }

  async function setSwitch(feature: string, body: { enabled: boolean; models: string[] | null }) {
    if (!workspace) return;
    setPending((current) => ({ ...current, [feature]: body }));
    const failure = await change(
      () => call("PUT", `/api/admin/workspaces/${workspace}/switches/${feature}`, body),
      switches.reload,
    );
    if (failure) setPending(({ [feature]: _refused, ...rest }) => rest);
    setProblem(failure);
  }

  const modelSwitch = switchOf("models");
  const allowed = modelSwitch?.models ?? null;

  return (
    <>
      <Section
        title="Feature switches"
        description="What members of this workspace may use. A switch that is not set is on."
        error={problem ?? switches.error}
        onRetry={switches.reload}
      >
        <ul className="switch-list">
          {(switches.data?.features ?? []).map((feature) => {
            const current = switchOf(feature);
            const enabled = current?.enabled ?? true;
            return (
              <li key={feature}>
                <label className="switch">
                  <input
                    type="checkbox"
                    checked={enabled}
                    onChange={(event) =>
                      void setSwitch(feature, {
                        enabled: event.target.checked,
                        models: current?.models ?? null,
                      })
                    }
                  />
                  {featureNames[feature] ?? feature}
                </label>
              </li>
            );
          })}
        </ul>
        <h3>Models members may use</h3>
        <p className="muted">{allowed === null ? "All models are allowed." : `${allowed.length} allowed.`}</p>
        <ul className="switch-list">
          {(models.data?.data ?? []).map((model) => (
            <li key={model.id}>
              <label className="switch">
                <input
                  type="checkbox"
                  checked={allowed === null || allowed.includes(model.id)}
                  onChange={(event) => {
                    const all = (models.data?.data ?? []).map((item) => item.id);
                    const base = allowed ?? all;
                    const next = event.target.checked
                      ? [...base, model.id]
                      : base.filter((id) => id !== model.id);
                    void setSwitch("models", { enabled: true, models: next });
                  }}
                />
                {model.id}
              </label>
            </li>
          ))}
        </ul>
      </Section>
      <Section
        title="Roles"
        description="Built-in roles and your custom roles, by the permissions they grant."
        error={roles.error}
        onRetry={roles.reload}
      >
        <Table label="Roles">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Permissions</th>
            </tr>
          </thead>
          <tbody>
            {roles.data?.data.map((role) => (
              <tr key={role.name}>
                <td>
                  {role.name} {role.builtin && <span className="muted">(built-in)</span>}
                </td>
                <td className="permissions">{role.permissions.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Section>
    </>
  );
}
