// The entries of an Office zip, read with fflate and bounded before anything is unpacked: the sizes
// the archive declares, summed over every entry, must stay under a limit (a zip bomb is refused), and
// an entry that unpacks to more than it declared is cut at its declared size, so a lying one gains
// nothing. Entries are unpacked only when asked for.
import { unzipSync, zipSync, type Zippable } from "fflate";
import { fail } from "./extraction-failure.ts";

const decoder = new TextDecoder("utf-8");

export class ZipArchive {
  readonly names: ReadonlySet<string>;
  readonly #content: Buffer;

  private constructor(content: Buffer, names: Set<string>) {
    this.#content = content;
    this.names = names;
  }

  /** Lists the entries; refuses an archive that declares more than `maxUnpackedBytes` in all. */
  static open(content: Buffer, maxUnpackedBytes: number): ZipArchive {
    const names = new Set<string>();
    let declared = 0;
    try {
      unzipSync(content, {
        filter: (entry) => {
          declared += entry.originalSize;
          names.add(entry.name);
          return false;
        },
      });
    } catch {
      fail("corrupt");
    }
    if (declared > maxUnpackedBytes) fail("unpacksTooLarge");
    return new ZipArchive(content, names);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** The named entries, unpacked (each at most its declared size). */
  read(wanted: (name: string) => boolean): Record<string, Uint8Array> {
    try {
      return unzipSync(this.#content, { filter: (entry) => wanted(entry.name) });
    } catch {
      return fail("corrupt");
    }
  }

  /** One entry as UTF-8 text, or null where the archive has none by that name. */
  text(name: string): string | null {
    if (!this.has(name)) return null;
    const entry = this.read((candidate) => candidate === name)[name];
    if (entry === undefined) return null;
    return decoder.decode(entry);
  }

  /**
   * The archive written anew from its bounded entries, uncompressed: what a library that unpacks
   * archives itself (mammoth) is given, so the declared sizes it trusts are the true ones.
   */
  rewritten(): Buffer {
    const entries: Zippable = this.read(() => true);
    return Buffer.from(zipSync(entries, { level: 0 }));
  }
}
