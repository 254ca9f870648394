// Reads what the SP needs from an IdP's SAML metadata: its entity id, its redirect-binding SSO URL,
// and the certificates it signs with.
import { identityErrors } from "../identity-errors.ts";
import { childElements, descendants, namespaces, parseStrictXml, XmlRefused } from "./saml-xml.ts";

export interface IdentityProviderMetadata {
  entityId: string;
  ssoUrl: string;
  /** PEM certificates, signing use (or unspecified use). */
  certificates: string[];
}

const redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

export function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, "");
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

export function parseIdentityProviderMetadata(xml: string): IdentityProviderMetadata {
  let document;
  try {
    document = parseStrictXml(xml);
  } catch (error) {
    throw identityErrors.invalidMetadata(error instanceof XmlRefused ? error.reason : "malformed_xml");
  }
  const root = document.documentElement!;
  if (root.namespaceURI !== namespaces.metadata || root.localName !== "EntityDescriptor") {
    throw identityErrors.invalidMetadata("the root element must be an md:EntityDescriptor");
  }
  const entityId = root.getAttribute("entityID") ?? "";
  if (entityId.length === 0 || entityId.length > 1000) throw identityErrors.invalidMetadata("no entityID");
  const descriptor = childElements(root, namespaces.metadata, "IDPSSODescriptor")[0];
  if (!descriptor) throw identityErrors.invalidMetadata("no IDPSSODescriptor");
  const sso = childElements(descriptor, namespaces.metadata, "SingleSignOnService").find(
    (element) => element.getAttribute("Binding") === redirectBinding,
  );
  const ssoUrl = sso?.getAttribute("Location") ?? "";
  if (!/^https?:\/\//.test(ssoUrl)) {
    throw identityErrors.invalidMetadata("no SingleSignOnService with the HTTP-Redirect binding");
  }
  const certificates: string[] = [];
  for (const keyDescriptor of childElements(descriptor, namespaces.metadata, "KeyDescriptor")) {
    const use = keyDescriptor.getAttribute("use");
    if (use && use !== "signing") continue;
    for (const certificate of descendants(keyDescriptor, namespaces.signature, "X509Certificate")) {
      const text = (certificate.textContent ?? "").trim();
      if (text.length > 0) certificates.push(toPem(text));
    }
  }
  if (certificates.length === 0) throw identityErrors.invalidMetadata("no signing certificate");
  return { entityId, ssoUrl, certificates: [...new Set(certificates)] };
}
