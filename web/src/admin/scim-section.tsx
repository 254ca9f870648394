// SCIM provisioning: the tokens an identity provider uses to create, update and remove members and
// groups. A new token is shown once (only its hash is kept); a revoked token stops working at once.
import { useState } from "react";
import { call } from "../api.ts";
import { Section } from "./section.tsx";
import { change, useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

interface Token {
  id: string;
  created_at: string;
  revoked_at: string | null;
}

export function ScimSection() {
  const tokens = useResource<{ data: Token[] }>("/api/admin/scim-tokens");
  const [created, setCreated] = useState<{ id: string; token: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const baseUrl = `${window.location.origin}/scim/v2`;

  async function create() {
    setProblem(
      await change(async () => {
        setCreated(await call<{ id: string; token: string }>("POST", "/api/admin/scim-tokens"));
      }, tokens.reload),
    );
  }

  async function revoke(id: string) {
    if (!window.confirm("Revoke this SCIM token? Your identity provider stops provisioning with it at once."))
      return;
    if (created?.id === id) setCreated(null);
    setProblem(await change(() => call("DELETE", `/api/admin/scim-tokens/${id}`), tokens.reload));
  }

  return (
    <Section
      title="Provisioning (SCIM)"
      description="Your identity provider (Entra ID, Okta, …) creates, updates and removes members and groups through SCIM 2.0. Removing a member there signs them out here at once."
      error={problem ?? tokens.error}
      onRetry={tokens.reload}
    >
      <dl className="facts">
        <dt>SCIM base URL</dt>
        <dd>
          <code>{baseUrl}</code>
        </dd>
        <dt>Authentication</dt>
        <dd>Bearer token</dd>
      </dl>
      {created && (
        <div className="secret" role="status" data-testid="scim-token">
          New token, shown this once; copy it into your identity provider now: <code>{created.token}</code>
        </div>
      )}
      <div className="actions">
        <button type="button" className="button small primary" onClick={() => void create()}>
          Create token
        </button>
      </div>
      <Table label="SCIM tokens">
        <thead>
          <tr>
            <th scope="col">Token</th>
            <th scope="col">Created</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {tokens.data?.data.map((token) => (
            <tr key={token.id}>
              <td>
                <code>{token.id}</code>
              </td>
              <td>{new Date(token.created_at).toLocaleString()}</td>
              <td>
                {token.revoked_at ? (
                  <span className="muted">revoked {new Date(token.revoked_at).toLocaleDateString()}</span>
                ) : (
                  <button type="button" className="button small danger" onClick={() => void revoke(token.id)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {tokens.data?.data.length === 0 && <p className="muted">No tokens yet.</p>}
    </Section>
  );
}
