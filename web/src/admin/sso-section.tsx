// Single sign-on status: the SAML connection, the service provider's metadata, and a test login.
import { Section } from "./section.tsx";
import { useResource } from "./use-resource.ts";

interface Sso {
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
      };
}

export function SsoSection({ organization }: { organization: string }) {
  const sso = useResource<Sso>("/api/admin/sso");
  const saml = sso.data?.saml;
  return (
    <Section
      title="Single sign-on"
      description="Sign-in through your identity provider (SAML 2.0). Signed responses and signed assertions only."
      error={sso.error}
      onRetry={sso.reload}
    >
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
    </Section>
  );
}
