// Signed notes byte for byte as Go's golang.org/x/mod/sumdb/note makes them (its published example),
// and the ways a note or a verifier key can be wrong.
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openNote, parseVerifierKey, signNote } from "./signed-note.ts";

const goVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const goSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const goText =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const goNote = `${goText}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function goPrivateKey() {
  const seed = Buffer.from(goSignerKey.split("+").slice(4).join("+"), "base64").subarray(1);
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  return createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
}

describe("signed notes (C2SP signed-note)", () => {
  it("signs exactly as Go's sumdb/note does, and opens its note", () => {
    expect(signNote(goText, "PeterNeumann", goPrivateKey())).toBe(goNote);
    const verifier = parseVerifierKey(goVerifierKey)!;
    expect(verifier.text).toBe(goVerifierKey);
    expect(openNote(goNote, verifier)).toBe(goText);
  });

  it("refuses a changed text, a changed signature, and a key of another name", () => {
    const verifier = parseVerifierKey(goVerifierKey)!;
    expect(openNote(goNote.replace("cryptography", "cryptographY"), verifier)).toBeNull();
    expect(openNote(goNote.replace("x08go", "x08gp"), verifier)).toBeNull();
    const { privateKey } = generateKeyPairSync("ed25519");
    expect(openNote(signNote(goText, "Someone", privateKey), verifier)).toBeNull();
    // Signed by another key under the same name: its key id differs, so it is not this key's signature.
    expect(openNote(signNote(goText, "PeterNeumann", privateKey), verifier)).toBeNull();
  });

  it("reads verifier keys whose base64 holds a '+', and refuses malformed ones", () => {
    expect(parseVerifierKey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")).not.toBeNull();
    for (const bad of [
      "",
      "PeterNeumann",
      goVerifierKey.replace("c74f20a3", "c74f20a4"),
      goVerifierKey.replace("+ARpc", "+AhPc"),
      goVerifierKey.slice(0, -2),
      `Peter Neumann+c74f20a3+${goVerifierKey.split("+")[2]}`,
    ]) {
      expect(parseVerifierKey(bad), bad).toBeNull();
    }
  });
});
