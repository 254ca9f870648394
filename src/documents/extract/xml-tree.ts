// Office XML parts read with @xmldom/xmldom, and the few walks over them the readers need. Names are
// matched by local name, whatever prefix a producer chose for the namespace.
import { DOMParser, type Element, type Node } from "@xmldom/xmldom";
import { fail } from "./extraction-failure.ts";

const elementNode = 1;

export function parseXml(xml: string): Element {
  let root: Element | null = null;
  try {
    root = new DOMParser({
      onError: (level) => (level === "warning" ? undefined : fail("corrupt")),
    }).parseFromString(xml, "text/xml").documentElement;
  } catch {
    fail("corrupt");
  }
  return root ?? fail("corrupt");
}

export function childElements(node: Node, localName?: string): Element[] {
  const found: Element[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling)
    if (
      child.nodeType === elementNode &&
      (localName === undefined || (child as Element).localName === localName)
    )
      found.push(child as Element);
  return found;
}

/** Every element named `localName` below `node`, in document order. */
export function descendants(node: Node, localName: string): Element[] {
  const found: Element[] = [];
  const visit = (parent: Node) => {
    for (const child of childElements(parent)) {
      if (child.localName === localName) found.push(child);
      visit(child);
    }
  };
  visit(node);
  return found;
}

/** The concatenated text of the `t` elements below `node` (DrawingML and SpreadsheetML runs). */
export function runText(node: Node): string {
  return descendants(node, "t")
    .map((element) => element.textContent ?? "")
    .join("");
}

/** An attribute by local name, whatever its namespace prefix (r:id, id). */
export function attribute(element: Element, localName: string): string | null {
  for (let index = 0; index < element.attributes.length; index += 1) {
    const item = element.attributes.item(index);
    if (item !== null && (item.localName ?? item.name) === localName) return item.value;
  }
  return null;
}

/** The r:id of an element: the relationship id, in the relationships namespace (transitional or strict). */
export function relationshipId(element: Element): string {
  for (let index = 0; index < element.attributes.length; index += 1) {
    const item = element.attributes.item(index);
    if (item?.localName === "id" && (item.namespaceURI ?? "").endsWith("/relationships")) return item.value;
  }
  return "";
}
