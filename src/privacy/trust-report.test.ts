import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshServerDatabase } from "../../test/helpers/database.ts";
import { commitments } from "./commitments.ts";
import {
  buildTrustReport,
  collectProofs,
  formatTrustReport,
  testReportFile,
  type TrustReport,
} from "./trust-report.ts";

const live = {
  encryption: { enabled: true },
  tls: { minVersion: "TLSv1.2" },
  retention: {},
  zdr: {},
  audit: {},
  hipaa: {},
};

describe("trust report", () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "custodian-trust-"));
    mkdirSync(path.join(root, "src", "area"), { recursive: true });
    mkdirSync(path.join(root, "node_modules", "dependency"), { recursive: true });
    writeFileSync(
      path.join(root, "src", "area", "area.test.ts"),
      [
        'describe("[OWN-1] a describe title is not a test title", () => {',
        '  it("[API-1] keeps records at most 30 days", () => {});',
        "  it.skip('[API-2] skipped for now', () => {});",
        "  test(`[SEC-1][SEC-2] two commitments at once`, () => {});",
        '  it("an untagged test", () => {});',
        '  it.each([1])("[CTL-1] built at run time %s", () => {});',
        "});",
      ].join("\n"),
    );
    writeFileSync(
      path.join(root, "node_modules", "dependency", "x.test.ts"),
      'it("[CTL-2] not ours", () => {});',
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("[PLAT-2] finds proofs by the [ID] tags in test titles, not run until a report says so", () => {
    const { proofs, testRunAt } = collectProofs(root);
    expect(testRunAt).toBeNull();
    expect(proofs).toEqual([
      { file: "src/area/area.test.ts", title: "[API-1] keeps records at most 30 days", status: "not run" },
      { file: "src/area/area.test.ts", title: "[API-2] skipped for now", status: "not run" },
      { file: "src/area/area.test.ts", title: "[SEC-1][SEC-2] two commitments at once", status: "not run" },
    ]);
    const report = buildTrustReport(root, live);
    expect(report.complete).toBe(false);
    const byId = new Map(report.commitments.map((commitment) => [commitment.id, commitment]));
    expect(byId.get("API-1")?.status).toBe("unverified");
    expect(byId.get("OWN-1")?.status).toBe("missing");
    expect(byId.get("SEC-2")?.live).toEqual({ tls: { minVersion: "TLSv1.2" } });
  });

  it("[PLAT-2] marks each commitment proven, failing, unverified or missing from the last run", () => {
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
              { title: "[SEC-1][SEC-2] two commitments at once", status: "failed" },
              { title: "[CTL-1] built at run time 1", status: "passed" },
              { title: "an untagged test", status: "passed" },
            ],
          },
        ],
      }),
    );
    const report = buildTrustReport(root, live);
    expect(report.testRunAt).toBe("2026-01-02T00:00:00.000Z");
    const status = Object.fromEntries(
      report.commitments.map((commitment) => [commitment.id, commitment.status]),
    );
    expect(status).toMatchObject({
      "API-1": "proven",
      "API-2": "unverified",
      "SEC-1": "failing",
      "SEC-2": "failing",
      "CTL-1": "proven",
      "CTL-2": "missing",
      "OWN-1": "missing",
    });
    expect(report.complete).toBe(false);
    const text = formatTrustReport(report);
    expect(text).toContain("API-1   PROVEN");
    expect(text).toContain("OWN-1   MISSING");
    expect(text).toMatch(/23 commitments: 2 proven, 2 failing, 1 unverified, 18 missing/);
  });

  it.runIf(existsSync("/work/shared/MISSION.md"))(
    "[PLAT-2] lists exactly the commitment IDs of MISSION.md",
    () => {
      const mission = readFileSync("/work/shared/MISSION.md", "utf8");
      const ids = [...mission.matchAll(/^- ([A-Z]+-\d+) /gm)].map((match) => match[1]);
      expect(commitments.map((commitment) => commitment.id)).toEqual(ids);
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

  it("[PLAT-2] sets retention and ZDR from the CLI and reports every commitment, exiting 1 while proofs are missing", () => {
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
    expect(trust.status).toBe(report.complete ? 0 : 1);
    const api2 = report.commitments.find((commitment) => commitment.id === "API-2")!;
    expect(api2.proofs.map((proof) => proof.file)).toContain("test/zero-data-retention.test.ts");
    expect(api2.live.zdr).toEqual({ storeFalseHonoured: true, on: [{ organization, project: null }] });
    expect(report.live.retention).toMatchObject({
      maxDays: 30,
      settings: [{ organization, project: null, days: 7 }],
    });
    expect(report.live.audit).toMatchObject({ verified: true });
    expect(report.live.tls).toMatchObject({ https: true, minVersion: "TLSv1.2" });
  });
});
