// Compliance: the admin API keys a compliance tool reads the audit log with (GET
// /v1/organization/audit_logs): made (the secret shown once, to copy), listed redacted, revoked after a
// confirmation; and the SOC 2 evidence pack to download. Both are the owner's alone: anyone else sees
// why they cannot, and the server refuses them too.
import { useState, type FormEvent } from "react";
import { call, describeFailure, download } from "../api.ts";
import { CopyButton } from "../copy-button.tsx";
import { Dialog } from "../dialog.tsx";
import { Section } from "./section.tsx";
import { Table } from "./table.tsx";
import { change, useResource } from "./use-resource.ts";

interface AdminKey {
  id: string;
  name: string;
  redacted: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

/** The new key's secret, shown only now: it is stored as a hash and never listed again. */
function CreatedKey({ created }: { created: AdminKey & { key: string } }) {
  return (
    <div className="issued-link-box key-issued" role="status">
      <p>
        New admin key “{created.name}”, shown only now; copy it into your compliance tool. It is kept only as
        a hash and cannot be shown again.
      </p>
      <div className="issued-link">
        <input
          readOnly
          aria-label="New admin key"
          value={created.key}
          onFocus={(event) => event.target.select()}
        />
        <CopyButton text={created.key} label="Copy the admin key" className="button small" />
      </div>
    </div>
  );
}

function AdminKeys() {
  const keys = useResource<{ data: AdminKey[] }>("/api/admin/admin-api-keys");
  const [name, setName] = useState("");
  const [created, setCreated] = useState<(AdminKey & { key: string }) | null>(null);
  const [creating, setCreating] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<AdminKey | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeProblem, setRevokeProblem] = useState<string | null>(null);

  async function create(event: FormEvent) {
    event.preventDefault();
    setCreating(true);
    setProblem(null);
    const trimmed = name.trim();
    setProblem(
      await change(async () => {
        const body = trimmed ? { name: trimmed } : {};
        setCreated(await call<AdminKey & { key: string }>("POST", "/api/admin/admin-api-keys", body));
        setName("");
      }, keys.reload),
    );
    setCreating(false);
  }

  async function revoke(key: AdminKey) {
    setRevokeBusy(true);
    setRevokeProblem(null);
    const failed = await change(() => call("DELETE", `/api/admin/admin-api-keys/${key.id}`), keys.reload);
    setRevokeBusy(false);
    if (failed) return setRevokeProblem(failed);
    if (created?.id === key.id) setCreated(null);
    setRevoking(null);
  }

  const list = keys.data?.data;
  return (
    <>
      <dl className="facts">
        <dt>Audit log API</dt>
        <dd>
          <code>GET {window.location.origin}/v1/organization/audit_logs</code>
        </dd>
        <dt>Authentication</dt>
        <dd>Bearer admin key (sk-admin-…); project API keys are refused</dd>
      </dl>
      {(problem ?? keys.error) && (
        <div className="error-box" role="alert">
          <span>{problem ?? keys.error}</span>
          {keys.error && (
            <button type="button" className="button small" onClick={keys.reload}>
              Retry
            </button>
          )}
        </div>
      )}
      {created && <CreatedKey created={created} />}
      <form className="inline-form" onSubmit={(event) => void create(event)}>
        <label className="inline-label">
          Key name
          <input
            value={name}
            maxLength={200}
            placeholder="Admin key"
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <button type="submit" className="button small primary" disabled={creating}>
          {creating ? "Creating…" : "Create admin key"}
        </button>
      </form>
      {!list && !keys.error && <p className="muted">Loading admin keys…</p>}
      {list && list.length === 0 && <p className="muted">No admin keys yet.</p>}
      {list && list.length > 0 && (
        <Table label="Admin API keys" stacked>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {list.map((key) => (
              <tr key={key.id}>
                <td data-label="Name">{key.name}</td>
                <td data-label="Key" className="id-cell">
                  <code>{key.redacted}</code>
                </td>
                <td data-label="Created">{when(key.created_at)}</td>
                <td data-label="Last used">{when(key.last_used_at)}</td>
                <td data-label="Status">
                  {key.revoked_at ? (
                    <span className="muted">revoked {new Date(key.revoked_at).toLocaleDateString()}</span>
                  ) : (
                    <button
                      type="button"
                      className="button small danger"
                      aria-label={`Revoke ${key.name}`}
                      onClick={() => {
                        setRevokeProblem(null);
                        setRevoking(key);
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {revoking && (
        <Dialog title="Revoke this admin key?" onClose={() => setRevoking(null)}>
          <p>
            “{revoking.name}” (<code>{revoking.redacted}</code>) stops working at once: a compliance tool
            using it can no longer read the audit log. This cannot be undone.
          </p>
          {revokeProblem && (
            <p className="error" role="alert">
              {revokeProblem}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="button secondary" onClick={() => setRevoking(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="button danger"
              disabled={revokeBusy}
              onClick={() => void revoke(revoking)}
            >
              {revokeBusy ? "Revoking…" : "Revoke key"}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

function EvidencePack({ allowed }: { allowed: boolean }) {
  const [received, setReceived] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function fetchPack() {
    setProblem(null);
    setReceived(0);
    try {
      const day = new Date().toISOString().slice(0, 10);
      await download("/api/admin/evidence", `custodian-evidence-${day}.tar.gz`, setReceived, "POST");
    } catch (failure) {
      setProblem(describeFailure(failure, "The evidence pack could not be downloaded."));
    } finally {
      setReceived(null);
    }
  }

  return (
    <>
      <p className="muted">
        One archive for an auditor: each commitment mapped to the SOC 2 criteria it supports, the live
        checks&apos; history, the audit log with its checkpoints and public key, the configuration without
        secrets, access transparency and key-rotation history. Each download is recorded in the audit log.
      </p>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="button small primary"
          disabled={!allowed || received !== null}
          aria-describedby={allowed ? undefined : "evidence-reason"}
          onClick={() => void fetchPack()}
        >
          {received === null
            ? "Download evidence pack"
            : received > 0
              ? `Downloading… ${Math.ceil(received / 1024)} KB`
              : "Preparing the evidence pack…"}
        </button>
      </div>
      {!allowed && (
        <p className="muted" id="evidence-reason">
          Only the organisation&apos;s owner can download the evidence pack.
        </p>
      )}
    </>
  );
}

export function ComplianceSection() {
  const me = useResource<{ permissions: string[] }>("/api/admin/me");
  const permissions = me.data?.permissions;
  return (
    <Section
      title="Compliance"
      description="What a compliance tool or an auditor needs: admin API keys for the audit-log API, and the SOC 2 evidence pack. Neither ever includes conversation content."
      error={me.error}
      onRetry={me.reload}
    >
      {!permissions && !me.error && <p className="muted">Loading…</p>}
      {permissions && (
        <>
          <h3>Admin API keys</h3>
          {permissions.includes("organization.admin_keys") ? (
            <AdminKeys />
          ) : (
            <p className="muted">
              Only the organisation&apos;s owner can create, list and revoke admin API keys.
            </p>
          )}
          <h3>Evidence pack</h3>
          <EvidencePack allowed={permissions.includes("organization.evidence")} />
        </>
      )}
    </Section>
  );
}
