// Strict XML parsing for SAML: no DOCTYPE (so no external entities and no entity expansion), no
// parser recovery from errors; anything unusual is refused before a signature is even looked at.
import { createRequire } from "node:module";
import type * as Xmldom from "@xmldom/xmldom";
import type { Document, Element, Node } from "@xmldom/xmldom";

let xmldom: typeof Xmldom | null = null;

/**
 * xmldom, loaded at the first SAML document: only SAML connections and sign-ins parse XML. Required
 * synchronously (it is CommonJS) so that parsing stays synchronous for its callers.
 */
function loadXmldom(): typeof Xmldom {
  xmldom ??= createRequire(import.meta.url)("@xmldom/xmldom") as typeof Xmldom;
  return xmldom;
}

export const namespaces = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
  metadata: "urn:oasis:names:tc:SAML:2.0:metadata",
  signature: "http://www.w3.org/2000/09/xmldsig#",
} as const;

export class XmlRefused extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`XML refused: ${reason}`);
    this.name = "XmlRefused";
    this.reason = reason;
  }
}

/** Parse XML, refusing DOCTYPE declarations and anything the parser would have to repair. */
export function parseStrictXml(xml: string): Document {
  // Checked on the text first: a DOCTYPE is never legitimate in SAML, and refusing it here means no
  // parser ever sees an entity declaration (XXE, billion laughs).
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) throw new XmlRefused("doctype_forbidden");
  const refuse = (): never => {
    throw new XmlRefused("malformed_xml");
  };
  // Outside the try: a library that fails to load is a broken installation, not malformed XML.
  const { DOMParser } = loadXmldom();
  let document: Document;
  try {
    document = new DOMParser({ onError: refuse }).parseFromString(xml, "text/xml");
  } catch (error) {
    if (error instanceof XmlRefused) throw error;
    throw new XmlRefused("malformed_xml");
  }
  if (!document.documentElement) throw new XmlRefused("malformed_xml");
  return document;
}

export function childElements(parent: Node, namespace?: string, localName?: string): Element[] {
  const found: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== child.ELEMENT_NODE) continue;
    const element = child as Element;
    if (namespace !== undefined && element.namespaceURI !== namespace) continue;
    if (localName !== undefined && element.localName !== localName) continue;
    found.push(element);
  }
  return found;
}

export function descendants(root: Node, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  const walk = (node: Node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType !== child.ELEMENT_NODE) continue;
      const element = child as Element;
      if (element.namespaceURI === namespace && element.localName === localName) found.push(element);
      walk(element);
    }
  };
  walk(root);
  return found;
}

/** Every node of the document, elements and others, depth first. */
export function allNodes(root: Node): Node[] {
  const found: Node[] = [];
  const walk = (node: Node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}
