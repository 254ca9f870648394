import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshServerDatabase } from "../../test/helpers/database.ts";
import { commitmentTexts } from "./commitment-texts.ts";
import { commitments } from "./commitments.ts";
import {
  buildTrustReport,
  collectProofs,
  formatTrustReport,
  testReportFile,
  type ProbeResult,
  type TrustReport,
} from "./trust-report.ts";

const settings = {
  encryption: { enabled: true },
  tls: { minVersion: "TLSv1.2" },
  retention: {},
  zdr: {},
  audit: {},
  hipaa: {},
};

const result = (probe: string, ids: string[], status: ProbeResult["status"]): ProbeResult => ({
  probe,
  commitments: ids,
  status,
  trigger: "demand",
  startedAt: "2026-01-02T03:04:05.000Z",
  durationMs: 12,
  checks: ["checked"],
  failure: status === "passed" ? null : "broken",
});

describe("trust report", () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "custodian-trust-"));
    mkdirSync(path.join(root, "src", "area"), { recursive: true });
    // A test file whose source names IDs: source text alone proves nothing.
    writeFileSync(
      path.join(root, "src", "area", "area.test.ts"),
      'it("[API-1] keeps records at most 30 days", () => {});\nit("[OWN-1] never run", () => {});\n',
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("[PLAT-2] without a test report no test proves anything, whatever the sources say", () => {
    expect(collectProofs(root)).toEqual({ proofs: [], testRunAt: null });
    const report = buildTrustReport({ root, latest: [], settings });
    expect(report.complete).toBe(false);
    expect(report.commitments.every((commitment) => commitment.tests.status === "unproven")).toBe(true);
    expect(report.commitments.every((commitment) => commitment.live.status === "unchecked")).toBe(true);
    // The commitments' text ships with the code.
    expect(report.commitments.find((commitment) => commitment.id === "API-2")!.text).toMatch(
      /^Zero Data Retention: for an organization or project with ZDR|^Zero Data Retention/,
    );
  });

  it("[PLAT-2] reads proofs from the runner's JSON report: exact [ID] in titles of tests that passed; skipped proves nothing", () => {
    writeFileSync(
      path.join(root, testReportFile),
      JSON.stringify({
        startTime: Date.UTC(2026, 0, 2),
        testResults: [
          {
            name: path.join(root, "src/area/area.test.ts"),
            assertionResults: [
              { title: "[API-1] keeps records at most 30 days", status: "passed" },
              { title: "[API-2] skipped for now", status: "skipped" },
              { title: "[API-3] a todo", status: "todo" },
              { title: "[SEC-1][SEC-2] two commitments at once", status: "failed" },
              { title: "[CTL-1] built at run time 1", status: "passed" },
              { title: "[CTL-2 ] [ctl-2] CTL-2 (CTL-2) not exact", status: "passed" },
              { title: "[SEC-10] an ID that does not exist", status: "passed" },
              { title: "an untagged test", status: "passed" },
            ],
          },
        ],
      }),
    );
    const { proofs, testRunAt } = collectProofs(root);
    expect(testRunAt).toBe("2026-01-02T00:00:00.000Z");
    expect(proofs.map((proof) => proof.title)).not.toContain("[SEC-10] an ID that does not exist");
    const report = buildTrustReport({ root, latest: [], settings });
    const tests = Object.fromEntries(
      report.commitments.map((commitment) => [commitment.id, commitment.tests.status]),
    );
    expect(tests).toMatchObject({
      "API-1": "proven",
      "API-2": "unproven",
      "API-3": "unproven",
      "SEC-1": "failing",
      "SEC-2": "failing",
      "CTL-1": "proven",
      "CTL-2": "unproven",
      "OWN-1": "unproven",
    });
    expect(report.commitments.find((commitment) => commitment.id === "API-1")!.tests.proofs).toEqual([
      { file: "src/area/area.test.ts", title: "[API-1] keeps records at most 30 days", status: "passed" },
    ]);
  });

  it("[PLAT-2] is complete only when every commitment has a passing live probe and none fails", () => {
    const ids = commitments.map((commitment) => commitment.id);
    const passing = [result("all", ids, "passed")];
    expect(buildTrustReport({ root, latest: passing, settings }).complete).toBe(true);
    const oneFails = [...passing, result("one", ["SEC-4"], "failed")];
    const report = buildTrustReport({ root, latest: oneFails, settings });
    expect(report.complete).toBe(false);
    const sec4 = report.commitments.find((commitment) => commitment.id === "SEC-4")!;
    expect(sec4.live).toMatchObject({ status: "failing", checkedAt: "2026-01-02T03:04:05.000Z" });
    expect(sec4.settings).toEqual({ audit: {} });
    const skipped = buildTrustReport({
      root,
      latest: [result("all", ids.slice(1), "passed"), result("s", [ids[0]!], "skipped")],
      settings,
    });
    expect(skipped.complete).toBe(false);
    expect(skipped.commitments[0]!.live.status).toBe("unchecked");
    const text = formatTrustReport(report);
    expect(text).toContain("SEC-4   FAILING");
    expect(text).toMatch(/23 commitments: 22 passing live, 1 failing, 0 not yet checked/);
  });

  it.runIf(existsSync("/work/shared/MISSION.md"))(
    "[PLAT-2] lists exactly the commitment IDs of MISSION.md, with their text",
    () => {
      const mission = readFileSync("/work/shared/MISSION.md", "utf8");
      const ids = [...mission.matchAll(/^- ([A-Z]+-\d+) /gm)].map((match) => match[1]);
      expect(commitments.map((commitment) => commitment.id)).toEqual(ids);
      expect(Object.keys(commitmentTexts)).toEqual(ids);
      for (const [id, text] of Object.entries(commitmentTexts))
        expect(mission.replace(/\s+/g, " ")).toContain(`- ${id} ${text}`);
    },
  );
});

describe("custodian privacy and custodian trust", () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let database: Awaited<ReturnType<typeof freshServerDatabase>>;
  const main = path.resolve(import.meta.dirname, "../main.ts");

  function custodian(...args: string[]) {
    const result = spawnSync(process.execPath, [main, ...args], { env, encoding: "utf8", timeout: 300_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-trust-cli-"));
    database = await freshServerDatabase();
    env = {
      ...process.env,
      CUSTODIAN_DATA_DIR: dataDir,
      CUSTODIAN_LOG_LEVEL: "warn",
      ...(database ? { CUSTODIAN_DATABASE_URL: database.url } : {}),
    };
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("[PLAT-2] sets retention and ZDR from the CLI; `custodian trust` exits 1 until live probes pass, `custodian verify` runs them", () => {
    const created = custodian("orgs", "create", "--name", "Trust", "--json");
    expect(created.status, created.stderr).toBe(0);
    const organization = (JSON.parse(created.stdout) as { id: string }).id;
    const set = custodian(
      "privacy",
      "set",
      "--org",
      organization,
      "--retention-days",
      "7",
      "--zdr",
      "on",
      "--json",
    );
    expect(set.status, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      retention_days: 7,
      zdr: true,
      effective: { retention_days: 7, zdr: true },
    });
    expect(custodian("privacy", "set", "--org", organization, "--zdr", "maybe").status).toBe(2);

    const trust = custodian("trust", "--json");
    const report = JSON.parse(trust.stdout) as TrustReport;
    expect(report.commitments.map((commitment) => commitment.id)).toEqual(
      commitments.map((commitment) => commitment.id),
    );
    // No probe has run on this installation yet: nothing is live, so it exits 1.
    expect(report.complete).toBe(false);
    expect(trust.status).toBe(1);
    const api2 = report.commitments.find((commitment) => commitment.id === "API-2")!;
    expect(api2.live.status).toBe("unchecked");
    expect(api2.settings.zdr).toEqual({ storeFalseHonoured: true, on: [{ organization, project: null }] });
    expect(report.settings.retention).toMatchObject({
      maxDays: 30,
      settings: [{ organization, project: null, days: 7 }],
    });
    expect(report.settings.audit).toMatchObject({ verified: true });
    expect(report.settings.tls).toMatchObject({ https: true, minVersion: "TLSv1.2" });

    // `custodian verify` with no server runs the probes in process: those that need the listener are
    // skipped (not passed), so every commitment but PLAT-1 turns live and the report still exits 1.
    const verify = custodian("verify", "--json");
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    const verified = JSON.parse(verify.stdout) as {
      ok: boolean;
      results: Array<{ probe: string; status: string }>;
    };
    expect(verified.results.filter((probe) => probe.status !== "passed")).toEqual([
      expect.objectContaining({ probe: "isolation.admin-routes", status: "skipped" }),
      expect.objectContaining({ probe: "platform.openai-api", status: "skipped" }),
    ]);
    const after = JSON.parse(custodian("trust", "--json").stdout) as TrustReport;
    expect(
      after.commitments.filter((commitment) => commitment.live.status !== "passing").map((c) => c.id),
    ).toEqual(["PLAT-1"]);
    // The probe organisations stay out of every list.
    const listed = JSON.parse(custodian("orgs", "list", "--json").stdout) as Array<{ id: string }>;
    expect(listed.map((entry) => entry.id)).toEqual([organization]);
    // Seven CLI processes, each starting the platform: 16 s on a quiet machine, over 120 s on a loaded one.
  }, 600_000);
});
