// The trust report (`custodian trust`, the trust page, PLAT-2): every commitment with two kinds of
// evidence. Live: the latest result of each probe that checks it against the running installation
// (when, how long, what was checked; never content). Tests: the proofs of the last test run, read from
// the test runner's structured report (vitest's JSON reporter), matched by the exact `[ID]` in the
// titles of tests that ran; a skipped test proves nothing. Nothing is inferred from source text.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { commitmentTexts } from "./commitment-texts.ts";
import { commitments, type LiveSettingName } from "./commitments.ts";

/** The repository this code runs from: where `npm test` leaves its report. */
export const repositoryRoot = path.resolve(import.meta.dirname, "../..");

/** Where `npm test` leaves a copy of the last run's vitest JSON report. */
export const testReportFile = ".custodian-test-report.json";

export type ProofStatus = "passed" | "failed" | "skipped";
export type ProbeStatus = "passed" | "failed" | "skipped";
/** The live side: every probe of the ID passed its latest run, one failed, or none has run yet. */
export type LiveStatus = "passing" | "failing" | "unchecked";
/** The test side: a proof passed in the last run and none failed, one failed, or none passed. */
export type TestStatus = "proven" | "failing" | "unproven";

export interface Proof {
  /** Relative to the repository root, with forward slashes. */
  file: string;
  title: string;
  status: ProofStatus;
}

/** One run of one probe, as stored: what was checked, never the data it used. */
export interface ProbeResult {
  probe: string;
  commitments: string[];
  status: ProbeStatus;
  trigger: "start" | "schedule" | "demand";
  startedAt: string;
  durationMs: number;
  /** What was checked, in words, with counts; never content. */
  checks: string[];
  /** Why it failed (or was skipped), in words; null when it passed. */
  failure: string | null;
}

export interface CommitmentReport {
  id: string;
  summary: string;
  /** The commitment as the mission words it (shipped with the code). */
  text: string;
  live: { status: LiveStatus; checkedAt: string | null; probes: ProbeResult[] };
  tests: { status: TestStatus; proofs: Proof[] };
  /** The settings of this installation that bear on it now. */
  settings: Partial<Record<LiveSettingName, unknown>>;
}

export interface TrustReport {
  /** True when every commitment has a passing live probe and none fails. */
  complete: boolean;
  /** When the newest probe result began, or null before the first. */
  checkedAt: string | null;
  /** When the test report was written, or null when there is none. */
  testRunAt: string | null;
  commitments: CommitmentReport[];
  settings: Record<LiveSettingName, unknown>;
}

const idPattern = /\[([A-Z]+-\d+)\]/g;
const knownIds = new Set(commitments.map((commitment) => commitment.id));

/** The commitment IDs a title names, each exactly as `[ID]`. */
export function idsOf(title: string): string[] {
  return [...title.matchAll(idPattern)].map((match) => match[1]!).filter((id) => knownIds.has(id));
}

interface VitestReport {
  startTime?: number;
  testResults?: Array<{
    name: string;
    assertionResults?: Array<{ title: string; status: string }>;
  }>;
}

function statusOf(vitestStatus: string): ProofStatus {
  return vitestStatus === "passed" || vitestStatus === "failed" ? vitestStatus : "skipped";
}

/** The tagged tests of the last run, from the runner's JSON report at `root` (none without one). */
export function collectProofs(root: string): { proofs: Proof[]; testRunAt: string | null } {
  const reportPath = path.join(root, testReportFile);
  if (!existsSync(reportPath)) return { proofs: [], testRunAt: null };
  let report: VitestReport;
  try {
    report = JSON.parse(readFileSync(reportPath, "utf8")) as VitestReport;
  } catch {
    // A half-written report counts as no report.
    return { proofs: [], testRunAt: null };
  }
  const byKey = new Map<string, Proof>();
  for (const suite of report.testResults ?? []) {
    const file = path.relative(root, path.resolve(root, suite.name)).split(path.sep).join("/");
    for (const result of suite.assertionResults ?? []) {
      if (idsOf(result.title).length === 0) continue;
      const key = `${file}\n${result.title}`;
      const status = statusOf(result.status);
      const known = byKey.get(key);
      // The same title twice in one file: one failure fails it, one skip does not make it pass.
      if (!known || known.status === "passed" || status === "failed")
        byKey.set(key, { file, title: result.title, status });
    }
  }
  const testRunAt = typeof report.startTime === "number" ? new Date(report.startTime).toISOString() : null;
  return { proofs: [...byKey.values()], testRunAt };
}

function liveStatus(probes: ProbeResult[]): LiveStatus {
  if (probes.some((probe) => probe.status === "failed")) return "failing";
  if (probes.some((probe) => probe.status === "passed")) return "passing";
  return "unchecked";
}

function testStatus(proofs: Proof[]): TestStatus {
  if (proofs.some((proof) => proof.status === "failed")) return "failing";
  if (proofs.some((proof) => proof.status === "passed")) return "proven";
  return "unproven";
}

/** The report from the latest result of each probe, the last test run at `root`, and the settings. */
export function buildTrustReport(input: {
  root: string;
  latest: readonly ProbeResult[];
  settings: Record<LiveSettingName, unknown>;
}): TrustReport {
  const { proofs, testRunAt } = collectProofs(input.root);
  const reports = commitments.map((commitment): CommitmentReport => {
    const probes = input.latest.filter((result) => result.commitments.includes(commitment.id));
    const own = proofs.filter((proof) => idsOf(proof.title).includes(commitment.id));
    const times = probes.map((probe) => probe.startedAt).sort();
    return {
      id: commitment.id,
      summary: commitment.summary,
      text: commitmentTexts[commitment.id] ?? commitment.summary,
      live: { status: liveStatus(probes), checkedAt: times.at(-1) ?? null, probes },
      tests: { status: testStatus(own), proofs: own },
      settings: Object.fromEntries(commitment.live.map((name) => [name, input.settings[name]])),
    };
  });
  const times = input.latest.map((result) => result.startedAt).sort();
  return {
    complete: reports.every((report) => report.live.status === "passing"),
    checkedAt: times.at(-1) ?? null,
    testRunAt,
    commitments: reports,
    settings: input.settings,
  };
}

const liveWords: Record<LiveStatus, string> = {
  passing: "LIVE OK",
  failing: "FAILING",
  unchecked: "UNCHECKED",
};

/** The report as text for a terminal: one block per commitment. */
export function formatTrustReport(report: TrustReport): string {
  const lines: string[] = [];
  for (const commitment of report.commitments) {
    const tests = `tests ${commitment.tests.status}`;
    lines.push(
      `${commitment.id.padEnd(7)} ${liveWords[commitment.live.status].padEnd(9)} ${tests.padEnd(15)} ${commitment.summary}`,
    );
    for (const probe of commitment.live.probes)
      lines.push(
        `          probe ${probe.status.padEnd(7)} ${probe.probe} (${probe.startedAt}, ${probe.durationMs} ms)` +
          (probe.failure ? `: ${probe.failure}` : ""),
      );
    for (const proof of commitment.tests.proofs)
      lines.push(`          test  ${proof.status.padEnd(7)} ${proof.file}: ${proof.title}`);
  }
  const count = (status: LiveStatus) =>
    report.commitments.filter((commitment) => commitment.live.status === status).length;
  lines.push("");
  lines.push(
    `${report.commitments.length} commitments: ${count("passing")} passing live, ${count("failing")} failing, ` +
      `${count("unchecked")} not yet checked` +
      (report.checkedAt ? ` (last check ${report.checkedAt})` : "") +
      (report.testRunAt ? `; tests run ${report.testRunAt}` : "; no test report"),
  );
  return lines.join("\n");
}

/** `custodian verify`'s text: one line per probe, then a count. */
export function formatVerification(result: { ok: boolean; results: readonly ProbeResult[] }): string {
  const lines = result.results.map(
    (probe) =>
      `${probe.status.toUpperCase().padEnd(8)} ${probe.probe.padEnd(32)} ${probe.commitments.join(" ").padEnd(24)} ` +
      `${probe.durationMs} ms${probe.failure ? `: ${probe.failure}` : ""}`,
  );
  const failed = result.results.filter((probe) => probe.status === "failed").length;
  lines.push(
    "",
    `${result.results.length} probes: ${result.results.length - failed} passed or skipped, ${failed} failed`,
  );
  return lines.join("\n");
}
