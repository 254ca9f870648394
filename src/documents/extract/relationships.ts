// An OOXML part's relationships (its _rels/NAME.rels): relationship id to the target part's path.
import { posix } from "node:path";
import { attribute, descendants, parseXml } from "./xml-tree.ts";
import type { ZipArchive } from "./zip-archive.ts";

export function relationshipTargets(archive: ZipArchive, part: string): Map<string, string> {
  const directory = posix.dirname(part);
  const xml = archive.text(posix.join(directory, "_rels", `${posix.basename(part)}.rels`));
  const targets = new Map<string, string>();
  if (xml === null) return targets;
  for (const relationship of descendants(parseXml(xml), "Relationship")) {
    const id = attribute(relationship, "Id");
    const target = attribute(relationship, "Target");
    if (id === null || target === null) continue;
    // Targets are relative to the part's folder, or absolute from the package root.
    targets.set(
      id,
      target.startsWith("/") ? target.slice(1) : posix.normalize(posix.join(directory, target)),
    );
  }
  return targets;
}
