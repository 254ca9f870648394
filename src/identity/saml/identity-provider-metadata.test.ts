// Reading IdP metadata: what the SP takes from it, and what makes it unusable.
import { describe, expect, it } from "vitest";
import { TestIdentityProvider } from "../../../test/helpers/saml-identity-provider.ts";
import { parseIdentityProviderMetadata } from "./identity-provider-metadata.ts";

describe("IdP metadata", () => {
  it("yields the entity id, the redirect SSO URL and the signing certificate", async () => {
    const idp = await TestIdentityProvider.create();
    const metadata = parseIdentityProviderMetadata(idp.metadataXml());
    expect(metadata.entityId).toBe(idp.entityId);
    expect(metadata.ssoUrl).toBe(idp.ssoUrl);
    expect(metadata.certificates.map((pem) => pem.replace(/\s+/g, ""))).toEqual([
      idp.keys.certificate.replace(/\s+/g, ""),
    ]);
  });

  it("refuses a DOCTYPE, a document that is not metadata, and metadata without a signing certificate", () => {
    const refuse = (xml: string) => {
      try {
        parseIdentityProviderMetadata(xml);
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return "accepted";
    };
    expect(refuse('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')).toBe(
      "invalid_saml_metadata",
    );
    expect(refuse("<notmetadata/>")).toBe("invalid_saml_metadata");
    expect(
      refuse(
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.test">' +
          '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' +
          '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.test/sso"/>' +
          "</md:IDPSSODescriptor></md:EntityDescriptor>",
      ),
    ).toBe("invalid_saml_metadata");
  });
});
