// Which XML Encryption algorithms an encrypted assertion may use: RSA-OAEP key transport and AES content
// encryption (CBC or GCM). RSA PKCS#1 v1.5 key transport (rsa-1_5) is refused: its padding check is the
// classic Bleichenbacher oracle, which is why XML Encryption 1.1 deprecates it; Triple DES content is
// refused as retired. XML Encryption 1.1's rsa-oaep is sound but xml-encryption cannot decrypt it, so it
// is refused by name rather than failing later. node-saml hands xml-encryption nothing but the key (no
// allow-list, not even its own "insecure algorithm" switch), so the rule is enforced here, on the raw
// response, before anything is decrypted.
import type { Element } from "@xmldom/xmldom";
import { SamlRejection } from "../identity-errors.ts";
import { childElements } from "./saml-xml.ts";

const xmlenc = "http://www.w3.org/2001/04/xmlenc#";

const rsaOaep = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const keyTransports = new Set([rsaOaep]);
const contentEncryptions = new Set([
  "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
  "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
  "http://www.w3.org/2009/xmlenc11#aes128-gcm",
  "http://www.w3.org/2009/xmlenc11#aes256-gcm",
]);

const encryptedTypes = new Set(["EncryptedKey", "EncryptedData"]);

function elementsUnder(root: Element): Element[] {
  const found: Element[] = [root];
  for (let index = 0; index < found.length; index += 1) found.push(...childElements(found[index]!));
  return found;
}

/**
 * Checks every EncryptedKey and EncryptedData under `root` (the element itself included). Elements are
 * matched by local name, as xml-encryption finds them: an EncryptionMethod it would read cannot hide in
 * a foreign namespace or a second copy, so any such shape is refused outright.
 */
export function checkEncryptionAlgorithms(root: Element): void {
  for (const element of elementsUnder(root)) {
    const name = element.localName ?? "";
    if (name === "EncryptionMethod") {
      const parent = element.parentNode as Element | null;
      if (element.namespaceURI !== xmlenc || !parent || !encryptedTypes.has(parent.localName ?? "")) {
        throw new SamlRejection("encryption_structure_invalid");
      }
      continue;
    }
    if (!encryptedTypes.has(name)) continue;
    if (element.namespaceURI !== xmlenc) throw new SamlRejection("encryption_structure_invalid");
    const methods = childElements(element).filter((child) => child.localName === "EncryptionMethod");
    if (methods.length !== 1) throw new SamlRejection("encryption_structure_invalid");
    const algorithm = methods[0]!.getAttribute("Algorithm") ?? "";
    if (name === "EncryptedKey" && !keyTransports.has(algorithm)) {
      throw new SamlRejection("key_transport_algorithm_refused");
    }
    if (name === "EncryptedData" && !contentEncryptions.has(algorithm)) {
      throw new SamlRejection("content_encryption_algorithm_refused");
    }
  }
}

/**
 * node-saml's SP metadata lists the content algorithms it decrypts but no key transport; naming RSA-OAEP
 * first lets an IdP that chooses from the metadata (Shibboleth does) pick it over rsa-1_5.
 */
export function advertiseKeyTransport(metadataXml: string): string {
  const at = metadataXml.indexOf("<EncryptionMethod ");
  if (at < 0) return metadataXml;
  return `${metadataXml.slice(0, at)}<EncryptionMethod Algorithm="${rsaOaep}"/>${metadataXml.slice(at)}`;
}
