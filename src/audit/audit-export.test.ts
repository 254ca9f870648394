// What leaves the installation to be checked elsewhere: the export, verified with nothing but the public
// key (and refused once tampered with), and inclusion proofs checked by this test's own code.
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAuditLog, type TestAuditLog } from "../../test/helpers/audit-log.ts";
import {
  checkInclusionIndependently,
  openCheckpointIndependently,
} from "../../test/helpers/independent-proof-check.ts";
import { verifyAuditExport } from "./audit-export.ts";
import type { ExportLine } from "./audit-export.ts";
import { verifyInclusionProof } from "./inclusion-proof.ts";
import { noteVerifier } from "./signed-note.ts";

describe("audit export and inclusion proofs", () => {
  let log: TestAuditLog;
  let lines: string[];
  let publicKey: string;

  beforeAll(async () => {
    log = await testAuditLog({ checkpointEvery: 5 });
    for (let index = 1; index <= 23; index += 1) {
      await log.audit.append({
        actor: `user_${index % 3}`,
        action: "test.event",
        target: `obj_${index}`,
        organizationId: index % 2 === 0 ? "org_even" : "org_odd",
        metadata: { index, "10": true, flag: index % 4 === 0 },
      });
    }
    publicKey = log.audit.verifierKey!;
    // Pages of 7 entries: the first signs a checkpoint over all 23 and fixes the snapshot.
    const collected: ExportLine[] = [];
    let page = await log.audit.exportPage({ limit: 7 });
    collected.push(...page.lines);
    await log.audit.append({ actor: "cli", action: "test.after_snapshot" });
    while (page.next !== null) {
      page = await log.audit.exportPage({ treeSize: page.treeSize, afterSeq: page.next, limit: 7 });
      collected.push(...page.lines);
    }
    lines = collected.map((line) => JSON.stringify(line));
  }, 120_000);
  afterAll(() => log?.close());

  const entryLine = (seq: number) => lines.findIndex((line) => line.includes(`"type":"entry","seq":${seq},`));

  it("[SEC-4] an export verifies offline with only the public key", async () => {
    expect(JSON.parse(lines[0]!)).toMatchObject({
      type: "custodian-audit-log",
      tree_size: 23,
      verifier_key: publicKey,
    });
    expect(lines.filter((line) => line.includes('"type":"entry"'))).toHaveLength(23);
    expect(await verifyAuditExport(lines, publicKey)).toEqual({
      ok: true,
      entries: 23,
      checkpoints: 5,
      newestCheckpoint: 23,
    });
  });

  it("[SEC-4] a tampered export is refused, naming the entry or range", async () => {
    const changed = [...lines];
    changed[entryLine(12)] = changed[entryLine(12)]!.replace('"obj_12"', '"obj_13"');
    expect(await verifyAuditExport(changed, publicKey)).toMatchObject({ ok: false, seq: 11, lastSeq: 15 });

    const removed = lines.filter((_, index) => index !== entryLine(17));
    expect(await verifyAuditExport(removed, publicKey)).toMatchObject({
      ok: false,
      seq: 17,
      problem: "entry 17 is missing",
    });

    const swapped = [...lines];
    [swapped[entryLine(3)], swapped[entryLine(4)]] = [swapped[entryLine(4)]!, swapped[entryLine(3)]!];
    expect(await verifyAuditExport(swapped, publicKey)).toMatchObject({ ok: false, seq: 3 });

    const cut = lines.filter((line) => !line.includes('"type":"checkpoint"') || !line.includes("\\n23\\n"));
    expect(await verifyAuditExport(cut, publicKey)).toMatchObject({
      ok: false,
      seq: 21,
      problem: "entries 21 to 23 are covered by no signed checkpoint",
    });

    const forged = lines.map((line) =>
      line.includes('"type":"checkpoint"') ? line.replace("\\n10\\n", "\\n11\\n") : line,
    );
    expect(await verifyAuditExport(forged, publicKey)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/not signed by/),
    });

    const { publicKey: otherKey } = generateKeyPairSync("ed25519");
    const name = JSON.parse(lines[0]!).origin as string;
    expect(await verifyAuditExport(lines, noteVerifier(name, otherKey).text)).toMatchObject({ ok: false });
  });

  it("[SEC-4] an inclusion proof of one entry is checked by independent code", async () => {
    const proof = await log.audit.prove(9);
    expect(proof.tree_size).toBe(24);
    expect(JSON.parse(proof.leaf_input)).toEqual([
      9,
      proof.entry.at,
      "user_0",
      "test.event",
      "obj_9",
      "org_odd",
      JSON.stringify(proof.entry.metadata),
    ]);
    expect(
      checkInclusionIndependently({
        leafInput: proof.leaf_input,
        index: proof.leaf_index,
        path: proof.inclusion_path,
        checkpoint: proof.checkpoint,
        publicKey,
      }),
    ).toEqual({ size: 24 });
    expect(verifyInclusionProof(proof, publicKey)).toEqual({ ok: true, seq: 9, treeSize: 24 });
    // Positive control: the same check refuses a proof whose entry, path or checkpoint was changed.
    expect(() =>
      checkInclusionIndependently({
        leafInput: proof.leaf_input.replace("obj_9", "obj_8"),
        index: proof.leaf_index,
        path: proof.inclusion_path,
        checkpoint: proof.checkpoint,
        publicKey,
      }),
    ).toThrow(/signed root/);
    expect(() =>
      checkInclusionIndependently({
        leafInput: proof.leaf_input,
        index: proof.leaf_index,
        path: [...proof.inclusion_path.slice(1), proof.inclusion_path[0]!],
        checkpoint: proof.checkpoint,
        publicKey,
      }),
    ).toThrow();
    expect(() =>
      checkInclusionIndependently({
        leafInput: proof.leaf_input,
        index: proof.leaf_index,
        path: proof.inclusion_path,
        checkpoint: proof.checkpoint.replace("\n24\n", "\n25\n"),
        publicKey,
      }),
    ).toThrow(/bad signature/);
    await expect(log.audit.prove(99)).rejects.toMatchObject({ code: "audit_entry_not_found" });
    await expect(log.audit.prove(0)).rejects.toMatchObject({ code: "invalid_seq" });
  });

  it("[SEC-4] an organisation's entries come with proofs it can check against one signed checkpoint", async () => {
    const proofs = await log.audit.organizationProofs("org_even");
    expect(proofs.entries.map((item) => item.entry.seq)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    const checkpoint = openCheckpointIndependently(proofs.checkpoint, publicKey);
    expect(checkpoint.size).toBe(proofs.tree_size);
    for (const item of proofs.entries) {
      const { entry } = item;
      const leafInput = JSON.stringify([
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.organization,
        JSON.stringify(entry.metadata),
      ]);
      expect(
        checkInclusionIndependently({
          leafInput,
          index: item.leaf_index,
          path: item.inclusion_path,
          checkpoint: proofs.checkpoint,
          publicKey,
        }),
      ).toEqual({ size: proofs.tree_size });
    }
  });
});
