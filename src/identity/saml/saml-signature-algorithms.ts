// Which XML signature algorithms a SAML response may use: RSA with SHA-256 or stronger, and SHA-256 or
// stronger digests. RSA-SHA1 signatures and SHA-1 digests are refused unless an admin allows them for
// one connection (an IdP that cannot sign otherwise); anything else (HMAC, MD5, unknown) never passes.
import type { Element } from "@xmldom/xmldom";
import { SamlRejection } from "../identity-errors.ts";
import { childElements, descendants, namespaces } from "./saml-xml.ts";

const strongSignatures = new Set([
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
]);
const strongDigests = new Set([
  "http://www.w3.org/2001/04/xmlenc#sha256",
  "http://www.w3.org/2001/04/xmldsig-more#sha384",
  "http://www.w3.org/2001/04/xmlenc#sha512",
]);
export const sha1Signature = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
export const sha1Digest = "http://www.w3.org/2000/09/xmldsig#sha1";

function checkAlgorithm(
  algorithm: string | null,
  strong: Set<string>,
  sha1: string,
  allowSha1: boolean,
  kind: "signature" | "digest",
): boolean {
  if (algorithm !== null && strong.has(algorithm)) return false;
  if (algorithm === sha1) {
    if (allowSha1) return true;
    throw new SamlRejection(`sha1_${kind}_refused`);
  }
  throw new SamlRejection(`${kind}_algorithm_refused`);
}

/**
 * Checks every signature under `root` (the element itself included); answers whether any of them used
 * SHA-1 (allowed for this connection), so the sign-in can be logged as such.
 */
export function checkSignatureAlgorithms(root: Element, allowSha1: boolean): boolean {
  const signatures = [
    ...childElements(root, namespaces.signature, "Signature"),
    ...descendants(root, namespaces.signature, "Signature"),
  ];
  let usedSha1 = false;
  for (const signature of new Set(signatures)) {
    for (const signedInfo of childElements(signature, namespaces.signature, "SignedInfo")) {
      const methods = childElements(signedInfo, namespaces.signature, "SignatureMethod");
      if (methods.length !== 1) throw new SamlRejection("signature_algorithm_refused");
      const sha1 = checkAlgorithm(
        methods[0]!.getAttribute("Algorithm"),
        strongSignatures,
        sha1Signature,
        allowSha1,
        "signature",
      );
      usedSha1 ||= sha1;
      for (const reference of childElements(signedInfo, namespaces.signature, "Reference")) {
        const digests = childElements(reference, namespaces.signature, "DigestMethod");
        if (digests.length !== 1) throw new SamlRejection("digest_algorithm_refused");
        const digestSha1 = checkAlgorithm(
          digests[0]!.getAttribute("Algorithm"),
          strongDigests,
          sha1Digest,
          allowSha1,
          "digest",
        );
        usedSha1 ||= digestSha1;
      }
    }
  }
  return usedSha1;
}
