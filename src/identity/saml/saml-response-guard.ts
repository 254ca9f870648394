// Structural checks on a SAML response before its signatures are verified. A genuine response has
// one shape: a signed Response holding exactly one signed Assertion, each signature a direct child of
// the element it signs. Refusing every other shape closes signature wrapping (XSW), stripping, comment
// and entity tricks regardless of how the signature library resolves references. A response whose
// top-level status is not Success never signs anyone in, whatever assertion it carries, and its
// signatures use SHA-256 or stronger (saml-signature-algorithms.ts); an encrypted assertion uses RSA-OAEP
// and AES, checked here so that nothing is decrypted otherwise (saml-encryption-algorithms.ts).
import type { Element } from "@xmldom/xmldom";
import { SamlRejection } from "../identity-errors.ts";
import { checkEncryptionAlgorithms } from "./saml-encryption-algorithms.ts";
import { checkSignatureAlgorithms } from "./saml-signature-algorithms.ts";
import { allNodes, childElements, descendants, namespaces, parseStrictXml, XmlRefused } from "./saml-xml.ts";

export interface ResponseExpectations {
  /** The ACS URL the response must be addressed to (Destination). */
  acsUrl: string;
  idpEntityId: string;
  /** RSA-SHA1 signatures and SHA-1 digests accepted (an admin's choice for this connection). */
  allowSha1: boolean;
}

export interface ResponseShape {
  responseId: string;
  /** The request this answers; null for an unsolicited (IdP-initiated) response. */
  inResponseTo: string | null;
  encrypted: boolean;
  /** A signature used SHA-1 (allowed for this connection): the sign-in is logged as such. */
  usedSha1: boolean;
}

const success = "urn:oasis:names:tc:SAML:2.0:status:Success";

/** The only element that signed content may be referenced from. */
function signatureReference(signature: Element): string | null {
  const signedInfo = childElements(signature, namespaces.signature, "SignedInfo");
  if (signedInfo.length !== 1) return null;
  const references = childElements(signedInfo[0]!, namespaces.signature, "Reference");
  if (references.length !== 1) return null;
  return references[0]!.getAttribute("URI");
}

function requireSignedBy(element: Element, missing: string, misplaced: string): void {
  const signatures = childElements(element, namespaces.signature, "Signature");
  if (signatures.length === 0) throw new SamlRejection(missing);
  if (signatures.length > 1) throw new SamlRejection(misplaced);
  const id = element.getAttribute("ID");
  if (!id || signatureReference(signatures[0]!) !== `#${id}`) throw new SamlRejection(misplaced);
}

export function inspectResponse(xml: string, expected: ResponseExpectations): ResponseShape {
  let document;
  try {
    document = parseStrictXml(xml);
  } catch (error) {
    throw new SamlRejection(error instanceof XmlRefused ? error.reason : "malformed_xml");
  }
  const nodes = allNodes(document);
  // Comments are invisible to exclusive canonicalisation, so one inside a NameID changes what a
  // parser reads without breaking the signature. IdPs never send them.
  if (nodes.some((node) => node.nodeType === node.COMMENT_NODE))
    throw new SamlRejection("comment_in_message");
  if (nodes.some((node) => node.nodeType === node.PROCESSING_INSTRUCTION_NODE && node.nodeName !== "xml")) {
    throw new SamlRejection("processing_instruction");
  }
  const root = document.documentElement!;
  if (root.namespaceURI !== namespaces.protocol || root.localName !== "Response") {
    throw new SamlRejection("not_a_response");
  }
  const seen = new Set<string>();
  for (const node of nodes) {
    if (node.nodeType !== node.ELEMENT_NODE) continue;
    const id = (node as Element).getAttribute("ID");
    if (id === null) continue;
    if (seen.has(id)) throw new SamlRejection("duplicate_id");
    seen.add(id);
  }

  const assertions = descendants(root, namespaces.assertion, "Assertion");
  const encrypted = descendants(root, namespaces.assertion, "EncryptedAssertion");
  if (assertions.length + encrypted.length === 0) throw new SamlRejection("no_assertion");
  if (assertions.length + encrypted.length > 1) throw new SamlRejection("multiple_assertions");
  const assertion = assertions[0] ?? encrypted[0]!;
  if (assertion.parentNode !== root) throw new SamlRejection("assertion_misplaced");

  requireSignedBy(root, "response_unsigned", "response_signature_misplaced");
  if (assertions.length === 1)
    requireSignedBy(assertion, "assertion_unsigned", "assertion_signature_misplaced");
  const signatureCount = descendants(root, namespaces.signature, "Signature").length;
  if (signatureCount !== (encrypted.length === 1 ? 1 : 2)) throw new SamlRejection("unexpected_signature");

  // node-saml reads a lone assertion before the status: refuse any status but Success here first.
  const statuses = childElements(root, namespaces.protocol, "Status");
  const codes = statuses.length === 1 ? childElements(statuses[0]!, namespaces.protocol, "StatusCode") : [];
  if (codes.length !== 1 || codes[0]!.getAttribute("Value") !== success)
    throw new SamlRejection("idp_error_status");
  const usedSha1 = checkSignatureAlgorithms(root, expected.allowSha1);
  checkEncryptionAlgorithms(root);

  if (root.getAttribute("Destination") !== expected.acsUrl) throw new SamlRejection("destination_mismatch");
  const issuers = childElements(root, namespaces.assertion, "Issuer");
  if (issuers.length > 1 || (issuers[0] && (issuers[0].textContent ?? "").trim() !== expected.idpEntityId)) {
    throw new SamlRejection("issuer_mismatch");
  }
  return {
    responseId: root.getAttribute("ID")!,
    inResponseTo: root.getAttribute("InResponseTo") || null,
    encrypted: encrypted.length === 1,
    usedSha1,
  };
}

/** Facts read from the assertion XML that the signature check returned (never from the raw response). */
export function readVerifiedAssertion(
  assertionXml: string,
  allowSha1: boolean,
): {
  assertionId: string;
  recipients: string[];
  nameIdTextNodes: number;
  notOnOrAfter: Date | null;
  /** The assertion's own signature used SHA-1 (seen here too when it came encrypted). */
  usedSha1: boolean;
} {
  let document;
  try {
    document = parseStrictXml(assertionXml);
  } catch {
    throw new SamlRejection("malformed_assertion");
  }
  const assertion = document.documentElement!;
  if (assertion.namespaceURI !== namespaces.assertion || assertion.localName !== "Assertion") {
    throw new SamlRejection("malformed_assertion");
  }
  const usedSha1 = checkSignatureAlgorithms(assertion, allowSha1);
  const recipients = descendants(assertion, namespaces.assertion, "SubjectConfirmationData").map(
    (element) => element.getAttribute("Recipient") ?? "",
  );
  const nameId = descendants(assertion, namespaces.assertion, "NameID")[0];
  let nameIdTextNodes = 0;
  for (let child = nameId?.firstChild; child; child = child.nextSibling) nameIdTextNodes += 1;
  const conditions = descendants(assertion, namespaces.assertion, "Conditions")[0];
  const notOnOrAfter = conditions?.getAttribute("NotOnOrAfter");
  return {
    assertionId: assertion.getAttribute("ID") ?? "",
    recipients,
    nameIdTextNodes,
    notOnOrAfter: notOnOrAfter ? new Date(notOnOrAfter) : null,
    usedSha1,
  };
}
