// The sealed format does not change with how it is computed: a record sealed by the earlier code (the
// fixture below, with multi-byte binding fields) still opens, with a raw key and with a KeyObject, and
// any other binding refuses it.
import { createSecretKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptionError, open, seal } from "./aead.ts";

const key = Buffer.alloc(32, 7);
const binding = { table: "api_records", row: "räd-ü", organization: "org_ø" };
// Sealed with key version 3 by the implementation before associated data was written into one buffer.
const fixture = Buffer.from(
  "0100000003367f9bcfddbe25ba92a0279c58a5f35ffd6a196f5b2122010a3695827afece3dd4662f2d5a43601f4235fa8db3a2ed0b0400ff6c",
  "hex",
);

describe("aead", () => {
  it("opens a record sealed by the earlier code, with a raw key or a KeyObject", () => {
    expect(open(key, binding, fixture).toString()).toBe("sealed before the change");
    expect(open(createSecretKey(key), binding, fixture).toString()).toBe("sealed before the change");
  });

  it("refuses the record under any other binding", () => {
    for (const other of [
      { ...binding, row: "räd-u" },
      { ...binding, table: "api_record" },
      { ...binding, organization: "org_o" },
    ])
      expect(() => open(key, other, fixture)).toThrow(DecryptionError);
  });

  it("seals under a KeyObject what a raw key opens", () => {
    const sealed = seal(createSecretKey(key), 9, binding, Buffer.from("both ways"));
    expect(open(key, binding, sealed).toString()).toBe("both ways");
  });
});
