// Inviting people by one-time link (and by email when SMTP is configured), the pending invitations
// with a way to revoke each, and the link an issued invitation or password reset gives the admin.
import { useState, type FormEvent } from "react";
import { ApiError, call } from "../api.ts";
import { CopyButton } from "../copy-button.tsx";
import { Dialog } from "../dialog.tsx";
import { Table } from "./table.tsx";
import { change, useResource } from "./use-resource.ts";

interface Invitation {
  id: string;
  email: string;
  role: string;
  expires_at: string;
}

interface Issued {
  url: string;
  emailed: boolean;
}

/** The link just made, to copy and hand over; shown once, as it is never stored. */
export function IssuedLink({ issued, what }: { issued: Issued; what: string }) {
  return (
    <div className="issued-link-box" role="status">
      <p>
        {issued.emailed
          ? `The ${what} link was emailed. You can also copy it:`
          : `Send this ${what} link to them; it is shown only now and works once.`}
      </p>
      <div className="issued-link">
        <input
          readOnly
          aria-label={`${what} link`}
          value={issued.url}
          onFocus={(event) => event.target.select()}
        />
        <CopyButton text={issued.url} label={`Copy the ${what} link`} className="button small" />
      </div>
    </div>
  );
}

export function InvitationsPanel({ roles, onChanged }: { roles: string[]; onChanged: () => void }) {
  const invitations = useResource<{ data: Invitation[]; email_enabled: boolean }>("/api/admin/invitations");
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [sendEmail, setSendEmail] = useState(true);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const emailEnabled = invitations.data?.email_enabled ?? false;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      setIssued(
        await call<Issued>("POST", "/api/admin/invitations", {
          email,
          role,
          send_email: emailEnabled && sendEmail,
        }),
      );
      setEmail("");
      invitations.reload();
      onChanged();
    } catch (failure) {
      setProblem(failure instanceof ApiError ? failure.message : "The invitation failed.");
    } finally {
      setBusy(false);
    }
  }

  function close() {
    setOpen(false);
    setIssued(null);
    setProblem(null);
  }

  return (
    <div className="invitations">
      <div className="invitations-head">
        <h3>Pending invitations</h3>
        <button type="button" className="button primary" onClick={() => setOpen(true)}>
          Invite
        </button>
      </div>
      {(invitations.error || (!open && problem)) && (
        <p className="error" role="alert">
          {invitations.error ?? problem}
        </p>
      )}
      {invitations.data && invitations.data.data.length === 0 ? (
        <p className="muted">No pending invitations.</p>
      ) : (
        <Table label="Pending invitations" stacked>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Expires</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {invitations.data?.data.map((item) => (
              <tr key={item.id}>
                <td data-label="Email">{item.email}</td>
                <td data-label="Role">{item.role}</td>
                <td data-label="Expires">{new Date(item.expires_at).toLocaleString()}</td>
                <td data-label="Action">
                  <button
                    type="button"
                    className="button small danger"
                    aria-label={`Revoke the invitation of ${item.email}`}
                    onClick={async () =>
                      setProblem(
                        await change(
                          () => call("DELETE", `/api/admin/invitations/${item.id}`),
                          invitations.reload,
                        ),
                      )
                    }
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {open && (
        <Dialog title="Invite someone" onClose={close}>
          <form className="dialog-form" onSubmit={submit}>
            <label>
              Email
              <input type="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
            </label>
            <label>
              Role
              <select value={role} onChange={(event) => setRole(event.target.value)}>
                {roles.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            {emailEnabled && (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={sendEmail}
                  onChange={(event) => setSendEmail(event.target.checked)}
                />
                Send the link by email
              </label>
            )}
            {problem && (
              <p className="error" role="alert">
                {problem}
              </p>
            )}
            {issued && <IssuedLink issued={issued} what="invitation" />}
            <div className="dialog-actions">
              <button type="button" className="button secondary" onClick={close}>
                Done
              </button>
              <button type="submit" className="button primary" disabled={busy}>
                {busy ? "Inviting…" : "Create invitation"}
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </div>
  );
}
