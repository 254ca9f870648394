// Access transparency: every request by the platform's staff to reach this organisation's data, with
// its reason and reference, and every access that was made (by operators and abuse reviewers).
import { Section } from "./section.tsx";
import { useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

interface Grant {
  id: string;
  reason: "incident" | "user-consent" | "legal";
  reference: string;
  justification: string;
  requested_by: string;
  user: string | null;
  status: string;
  conversations: string[];
  approvals: string[];
  created_at: string;
  expires_at: string | null;
}

interface Access {
  id: string;
  actor_kind: string;
  actor: string;
  grant: string | null;
  action: string;
  target: string | null;
  at: string;
}

const reasonNames: Record<Grant["reason"], string> = {
  incident: "Incident",
  "user-consent": "With the user's consent",
  legal: "Legal requirement",
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

export function TransparencySection() {
  const transparency = useResource<{ grants: Grant[]; accesses: Access[] }>("/api/access-transparency");
  const grants = transparency.data?.grants ?? [];
  const accesses = transparency.data?.accesses ?? [];
  return (
    <>
      <Section
        title="Access transparency"
        description="Staff reach your data only to resolve an incident, with a user's explicit and time-limited consent, or where law requires it. Every request and every access is listed here."
        error={transparency.error}
        onRetry={transparency.reload}
      >
        <h3>Staff-access requests</h3>
        {transparency.data && grants.length === 0 && <p className="muted">No staff has asked for access.</p>}
        {grants.length > 0 && (
          <Table label="Access requests">
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col">Reference and justification</th>
                <th scope="col">Status</th>
                <th scope="col">Requested</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {grants.map((grant) => (
                <tr key={grant.id}>
                  <td>{reasonNames[grant.reason] ?? grant.reason}</td>
                  <td>
                    <strong>{grant.reference}</strong>
                    <div className="muted">{grant.justification}</div>
                  </td>
                  <td>
                    <span className={`status ${grant.status === "active" ? "proven" : "missing"}`}>
                      {grant.status}
                    </span>
                    {grant.conversations.length > 0 && (
                      <div className="muted">
                        {grant.conversations.length} conversations chosen by the user
                      </div>
                    )}
                  </td>
                  <td>{when(grant.created_at)}</td>
                  <td>{when(grant.expires_at)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Section>
      <Section
        title="Accesses"
        description="Each time staff or an abuse reviewer opened data of this organisation, newest first."
      >
        {transparency.data && accesses.length === 0 && <p className="muted">No accesses.</p>}
        {accesses.length > 0 && (
          <Table label="Accesses">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Under grant</th>
              </tr>
            </thead>
            <tbody>
              {accesses.map((access) => (
                <tr key={access.id}>
                  <td>{when(access.at)}</td>
                  <td>
                    {access.actor_kind} <code className="facts-cell">{access.actor}</code>
                  </td>
                  <td>
                    {access.action}
                    {access.target && <div className="facts-cell">{access.target}</div>}
                  </td>
                  <td className="facts-cell">{access.grant ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Section>
    </>
  );
}
