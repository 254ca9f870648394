// Single sign-on status: the SAML connection (with the service provider's metadata and a test login),
// the OIDC connection, and the email domains that route their people to this organisation's SSO.
import { Section } from "./section.tsx";
import { useResource } from "./use-resource.ts";
import { Table } from "./table.tsx";

interface Domain {
  domain: string;
  verified: boolean;
  enforce_sso: boolean;
}

interface Sso {
  oidc:
    | { configured: false }
    | { configured: true; issuer: string; client_id: string; redirect_uri: string; scopes: string[] };
  domains: Domain[];
  saml:
    | { configured: false }
    | {
        configured: true;
        idp_entity_id: string;
        idp_sso_url: string;
        idp_certificates: number;
        sp_entity_id: string;
        acs_url: string;
        metadata_url: string;
        idp_initiated: boolean;
        /** RSA-SHA1 signatures and SHA-1 digests accepted from this IdP (an admin's choice, off by default). */
        allow_sha1: boolean;
      };
}

export function SsoSection({ organization }: { organization: string }) {
  const sso = useResource<Sso>("/api/admin/sso");
  const saml = sso.data?.saml;
  const oidc = sso.data?.oidc;
  const domains = sso.data?.domains ?? [];
  return (
    <Section
      title="Single sign-on"
      description="Sign-in through your identity provider: SAML 2.0 (signed responses and signed assertions only) or OpenID Connect (authorization code with PKCE)."
      error={sso.error}
      onRetry={sso.reload}
    >
      <h3>SAML 2.0</h3>
      {saml && !saml.configured && (
        <p>
          Not configured. Set it up with{" "}
          <code>custodian sso saml set --org {organization} --metadata idp.xml --base-url https://…</code>
        </p>
      )}
      {saml?.configured && (
        <dl className="facts">
          <dt>Identity provider</dt>
          <dd>{saml.idp_entity_id}</dd>
          <dt>Sign-in URL</dt>
          <dd>{saml.idp_sso_url}</dd>
          <dt>Signing certificates</dt>
          <dd>{saml.idp_certificates}</dd>
          <dt>Service provider entity id</dt>
          <dd>{saml.sp_entity_id}</dd>
          <dt>Assertion consumer service</dt>
          <dd>{saml.acs_url}</dd>
          <dt>IdP-initiated sign-in</dt>
          <dd>{saml.idp_initiated ? "allowed" : "refused"}</dd>
          <dt>SHA-1 signatures</dt>
          <dd>
            {saml.allow_sha1 ? (
              <span className="status missing">allowed for this IdP (weak; each such sign-in is logged)</span>
            ) : (
              "refused"
            )}
          </dd>
        </dl>
      )}
      {saml?.configured && (
        <div className="actions">
          <a className="button small" href={`/sso/saml/${organization}/metadata`} download>
            Download SP metadata
          </a>
          <a className="button small" href={`/sso/saml/${organization}/login`} target="_blank" rel="noopener">
            Test sign-in
          </a>
        </div>
      )}
      <h3>OpenID Connect</h3>
      {oidc && !oidc.configured && (
        <p>
          Not configured. Set it up with{" "}
          <code>
            custodian sso oidc set --org {organization} --issuer https://… --client-id … --base-url https://…
          </code>
        </p>
      )}
      {oidc?.configured && (
        <>
          <dl className="facts">
            <dt>Issuer</dt>
            <dd>{oidc.issuer}</dd>
            <dt>Client id</dt>
            <dd>{oidc.client_id}</dd>
            <dt>Redirect URI</dt>
            <dd>{oidc.redirect_uri}</dd>
            <dt>Scopes</dt>
            <dd>{oidc.scopes.join(" ")}</dd>
          </dl>
          <div className="actions">
            <a
              className="button small"
              href={`/sso/oidc/${organization}/login`}
              target="_blank"
              rel="noopener"
            >
              Test sign-in
            </a>
          </div>
        </>
      )}
      <h3>Email domains</h3>
      <p className="muted">
        People whose email is at a verified domain are sent to this organisation&apos;s single sign-on from
        the sign-in page; with SSO enforced, they cannot sign in any other way.
      </p>
      {sso.data && domains.length === 0 && (
        <p>
          No domains. Claim one with{" "}
          <code>custodian sso domain add --org {organization} --domain example.com</code> and verify it with
          its DNS TXT record (<code>custodian sso domain verify</code>).
        </p>
      )}
      {domains.length > 0 && (
        <Table label="Domains">
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">Verified</th>
              <th scope="col">Single sign-on</th>
            </tr>
          </thead>
          <tbody>
            {domains.map((domain) => (
              <tr key={domain.domain}>
                <td>{domain.domain}</td>
                <td>
                  <span className={`status ${domain.verified ? "proven" : "missing"}`}>
                    {domain.verified ? "verified" : "not verified"}
                  </span>
                </td>
                <td>{domain.enforce_sso ? "enforced" : "optional"}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Section>
  );
}
