// Tools for crafting hostile SAML responses from genuine ones: DOM surgery with @xmldom/xmldom and
// re-signing with xml-crypto, as an attacker (or a compromised IdP) would.
import { DOMParser, XMLSerializer, type Document, type Element } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";

export const ns = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
  signature: "http://www.w3.org/2000/09/xmldsig#",
} as const;

export function decode(samlResponse: string): Document {
  return new DOMParser().parseFromString(Buffer.from(samlResponse, "base64").toString("utf8"), "text/xml");
}

export function encode(document: Document | string): string {
  const xml = typeof document === "string" ? document : new XMLSerializer().serializeToString(document);
  return Buffer.from(xml, "utf8").toString("base64");
}

export function elements(root: Document | Element, namespace: string, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(namespace, localName));
}

export function first(root: Document | Element, namespace: string, localName: string): Element {
  const found = elements(root, namespace, localName)[0];
  if (!found) throw new Error(`No ${localName} element.`);
  return found;
}

/** The Signature element that is a direct child of this element. */
export function ownSignature(element: Element): Element {
  for (let child = element.firstChild; child; child = child.nextSibling) {
    const candidate = child as Element;
    if (candidate.namespaceURI === ns.signature && candidate.localName === "Signature") return candidate;
  }
  throw new Error("The element has no signature of its own.");
}

export function removeOwnSignature(element: Element): void {
  element.removeChild(ownSignature(element));
}

export function setText(element: Element, text: string): void {
  while (element.firstChild) element.removeChild(element.firstChild);
  element.appendChild(element.ownerDocument!.createTextNode(text));
}

/** Sign an element (by its ID) with an enveloped RSA-SHA256 signature placed after its Issuer. */
export function signElement(xml: string, localName: string, privateKey: string, certificate: string): string {
  const signer = new SignedXml({
    privateKey,
    publicCert: certificate,
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
  });
  const path = `/*[local-name(.)='${localName}']`;
  signer.addReference({
    xpath: path,
    transforms: [
      "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
      "http://www.w3.org/2001/10/xml-exc-c14n#",
    ],
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
  });
  signer.computeSignature(xml, {
    prefix: "ds",
    location: { reference: `${path}/*[local-name(.)='Issuer']`, action: "after" },
  });
  return signer.getSignedXml();
}
