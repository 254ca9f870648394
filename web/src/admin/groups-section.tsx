// Groups provisioned by the identity provider (SCIM), their members, and each group's feature switches,
// which apply to its members on top of the workspace's: a feature is off if any switch turns it off.
import { useState } from "react";
import { call } from "../api.ts";
import { featureNames } from "./feature-names.ts";
import { Section } from "./section.tsx";
import { change, useResource } from "./use-resource.ts";

interface Group {
  id: string;
  display_name: string;
  external_id: string | null;
  members: Array<{ id: string; email: string }>;
}

interface Switch {
  scope: string;
  scope_id: string;
  feature: string;
  enabled: boolean;
}

type Choice = "unset" | "on" | "off";

function GroupCard({
  group,
  features,
  switches,
  onChange,
}: {
  group: Group;
  features: string[];
  switches: Switch[];
  onChange: (feature: string, choice: Choice) => void;
}) {
  const choiceOf = (feature: string): Choice => {
    const found = switches.find((item) => item.scope_id === group.id && item.feature === feature);
    return found ? (found.enabled ? "on" : "off") : "unset";
  };
  return (
    <article className="card project group" aria-label={`Group ${group.display_name}`}>
      <header>
        <h3>{group.display_name}</h3>
        <span className="muted">
          {group.members.length} {group.members.length === 1 ? "member" : "members"}
          {group.external_id ? ` · ${group.external_id}` : ""}
        </span>
      </header>
      <p className="group-members">
        {group.members.length === 0 ? (
          <span className="muted">No members yet.</span>
        ) : (
          group.members.map((member) => (
            <span key={member.id} className="chip">
              {member.email}
            </span>
          ))
        )}
      </p>
      <ul className="switch-list">
        {features.map((feature) => (
          <li key={feature}>
            <label className="inline-label">
              {featureNames[feature] ?? feature}
              <select
                value={choiceOf(feature)}
                onChange={(event) => onChange(feature, event.target.value as Choice)}
              >
                <option value="unset">As the workspace</option>
                <option value="on">On</option>
                <option value="off">Off for this group</option>
              </select>
            </label>
          </li>
        ))}
      </ul>
    </article>
  );
}

export function GroupsSection() {
  const groups = useResource<{ data: Group[]; total: number }>("/api/admin/groups");
  const switches = useResource<{ data: Switch[]; features: string[] }>("/api/admin/switches");
  const [problem, setProblem] = useState<string | null>(null);
  const groupSwitches = (switches.data?.data ?? []).filter((item) => item.scope === "group");

  async function setChoice(groupId: string, feature: string, choice: Choice) {
    const path = `/api/admin/groups/${groupId}/switches/${feature}`;
    setProblem(
      await change(
        () => (choice === "unset" ? call("DELETE", path) : call("PUT", path, { enabled: choice === "on" })),
        switches.reload,
      ),
    );
  }

  const list = groups.data?.data ?? [];
  return (
    <Section
      title="Groups"
      description="Groups come from your identity provider through SCIM. A group's switch turns a feature off for its members, whatever the workspace allows."
      error={problem ?? groups.error ?? switches.error}
      onRetry={() => {
        groups.reload();
        switches.reload();
      }}
    >
      {groups.data && list.length === 0 && (
        <p className="muted">
          No groups yet. Create a SCIM token under Provisioning and give it to your identity provider.
        </p>
      )}
      {list.map((group) => (
        <GroupCard
          key={group.id}
          group={group}
          features={switches.data?.features ?? []}
          switches={groupSwitches}
          onChange={(feature, choice) => void setChoice(group.id, feature, choice)}
        />
      ))}
      {groups.data && groups.data.total > list.length && (
        <p className="muted">
          Showing {list.length} of {groups.data.total} groups.
        </p>
      )}
    </Section>
  );
}
