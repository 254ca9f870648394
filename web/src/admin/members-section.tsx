// Members of the default workspace: their role, whether they may sign in, a password reset link; and
// inviting new people.
import { useState } from "react";
import { ApiError, call } from "../api.ts";
import { Dialog } from "../dialog.tsx";
import { InvitationsPanel, IssuedLink } from "./invitations-panel.tsx";
import { Section } from "./section.tsx";
import { change, useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

interface Member {
  id: string;
  email: string;
  display_name: string;
  status: "active" | "disabled";
  role: string;
  password_sign_in: boolean;
}

export function MembersSection() {
  const members = useResource<{ workspace: string; data: Member[] }>("/api/admin/members");
  const roles = useResource<{ data: Array<{ name: string }> }>("/api/admin/roles");
  const [problem, setProblem] = useState<string | null>(null);
  const [reset, setReset] = useState<{ email: string; url: string; emailed: boolean } | null>(null);

  async function resetPassword(member: Member) {
    setProblem(null);
    try {
      const issued = await call<{ url: string; emailed: boolean }>(
        "POST",
        `/api/admin/members/${member.id}/password-reset`,
        {},
      );
      setReset({ email: member.email, ...issued });
    } catch (failure) {
      setProblem(failure instanceof ApiError ? failure.message : "The reset failed.");
    }
  }

  return (
    <Section
      title="Members"
      description="People in this workspace and their roles. Admins manage members; no admin screen shows anyone's conversations."
      error={problem ?? members.error}
      onRetry={members.reload}
    >
      <InvitationsPanel
        roles={(roles.data?.data ?? [{ name: "member" }]).map((role) => role.name)}
        onChanged={members.reload}
      />
      <h3>People</h3>
      <Table label="Members">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Password</th>
          </tr>
        </thead>
        <tbody>
          {members.data?.data.map((member) => (
            <tr key={member.id}>
              <td>{member.display_name}</td>
              <td>{member.email}</td>
              <td>
                <select
                  aria-label={`Role of ${member.email}`}
                  value={member.role}
                  onChange={async (event) =>
                    setProblem(
                      await change(
                        () =>
                          call("PUT", `/api/admin/members/${member.id}/role`, { role: event.target.value }),
                        members.reload,
                      ),
                    )
                  }
                >
                  {(roles.data?.data ?? [{ name: member.role }]).map((role) => (
                    <option key={role.name} value={role.name}>
                      {role.name}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <button
                  type="button"
                  className={member.status === "active" ? "button small" : "button small danger"}
                  onClick={async () =>
                    setProblem(
                      await change(
                        () =>
                          call("PUT", `/api/admin/members/${member.id}/status`, {
                            status: member.status === "active" ? "disabled" : "active",
                          }),
                        members.reload,
                      ),
                    )
                  }
                >
                  {member.status === "active" ? "Active: disable" : "Disabled: enable"}
                </button>
              </td>
              <td>
                {member.password_sign_in ? (
                  <button
                    type="button"
                    className="button small"
                    aria-label={`Reset the password of ${member.email}`}
                    onClick={() => void resetPassword(member)}
                  >
                    Reset
                  </button>
                ) : (
                  <span className="muted">SSO</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {reset && (
        <Dialog title={`Password reset for ${reset.email}`} onClose={() => setReset(null)}>
          <IssuedLink issued={reset} what="password reset" />
        </Dialog>
      )}
    </Section>
  );
}
