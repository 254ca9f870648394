// The commitments' table leads from each ID to its code in one step: every file it names exists, each
// enforcing module names the ID in its opening comment, and each test file holds a test titled with it.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { commitments } from "./commitments.ts";
import { repositoryRoot } from "./trust-report.ts";

/** The comment lines a file opens with, before its first line of code. */
function openingComment(text: string): string {
  const lines = text.split("\n");
  const end = lines.findIndex((line) => !line.trimStart().startsWith("//"));
  return lines.slice(0, end === -1 ? lines.length : end).join("\n");
}

const namesId = (text: string, id: string) => new RegExp(`\\b${id}\\b`).test(openingComment(text));

/** Whether a test file's source names `[ID]` (the table's pointer; the trust report reads the test run). */
const mentions = (file: string, id: string) =>
  readFileSync(path.join(repositoryRoot, file), "utf8").includes(`[${id}]`);

describe("commitments table", () => {
  it("[PLAT-2] names, for every commitment, modules that enforce it and tests that prove it", () => {
    const problems: string[] = [];
    for (const { id, enforcedBy, provenBy } of commitments) {
      if (enforcedBy.length === 0) problems.push(`${id}: no enforcing module`);
      if (provenBy.length === 0) problems.push(`${id}: no proving test`);
      for (const file of enforcedBy) {
        const full = path.join(repositoryRoot, file);
        if (!existsSync(full)) problems.push(`${id}: ${file} does not exist`);
        else if (!namesId(readFileSync(full, "utf8"), id))
          problems.push(`${id}: ${file}'s opening comment lacks it`);
      }
      for (const file of provenBy) {
        if (!existsSync(path.join(repositoryRoot, file))) problems.push(`${id}: ${file} does not exist`);
        else if (!mentions(file, id)) problems.push(`${id}: ${file} never names [${id}]`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("the checks can fail (positive controls)", () => {
    // An ID in the body but not in the opening comment does not count.
    expect(namesId("// Opens the database.\nimport x from 'y';\n// SEC-1\n", "SEC-1")).toBe(false);
    expect(namesId("// Seals content (SEC-1).\nimport x from 'y';\n", "SEC-1")).toBe(true);
    // A test file that proves one commitment is not a pointer to another.
    expect(mentions("test/tls.test.ts", "OWN-1")).toBe(false);
    expect(mentions("test/tls.test.ts", "SEC-2")).toBe(true);
  });
});
