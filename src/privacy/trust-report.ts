// The trust report (`custodian trust`, PLAT-2): every commitment with the tests that prove it, whether they
// passed in the last test run, and the live settings that bear on it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { commitments, type LiveSettingName } from "./commitments.ts";

/** The repository this code runs from: its tests are the proofs. */
export const repositoryRoot = path.resolve(import.meta.dirname, "../..");

/** Where `npm test` leaves a copy of the last run's vitest JSON report. */
export const testReportFile = ".custodian-test-report.json";

export type ProofStatus = "passed" | "failed" | "skipped" | "not run";
export type CommitmentStatus = "proven" | "failing" | "unverified" | "missing";

export interface Proof {
  /** Relative to the repository root, with forward slashes. */
  file: string;
  title: string;
  status: ProofStatus;
}

export interface CommitmentReport {
  id: string;
  summary: string;
  status: CommitmentStatus;
  proofs: Proof[];
  live: Partial<Record<LiveSettingName, unknown>>;
}

export interface TrustReport {
  /** True when every commitment has a passing proof and none fails. */
  complete: boolean;
  /** When the test report was written, or null when there is none. */
  testRunAt: string | null;
  commitments: CommitmentReport[];
  live: Record<LiveSettingName, unknown>;
}

const idPattern = /\[([A-Z]+-\d+)\]/g;
/** it("...") / test('...') / it.skip(`...`) with a literal title; the quote that opens it closes it. */
const testCall =
  /\b(?:it|test)(?:\.(?:skip|only|concurrent|sequential|fails|skipIf\([^()]*\)|runIf\([^()]*\)))*\(\s*(["'`])((?:\\.|(?!\1)[^\\])*?)\1/g;
const skippedDirectories = new Set(["node_modules", ".git", "coverage", "dist", ".custodian"]);

function testFiles(root: string, directory = root, found: string[] = []): string[] {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skippedDirectories.has(entry.name) && !entry.name.startsWith("."))
        testFiles(root, path.join(directory, entry.name), found);
    } else if (entry.isFile() && entry.name.endsWith(".test.ts")) {
      found.push(path.join(directory, entry.name));
    }
  }
  return found;
}

function idsOf(title: string): string[] {
  return [...title.matchAll(idPattern)].map((match) => match[1]!);
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join("/");
}

interface VitestReport {
  startTime?: number;
  testResults?: Array<{
    name: string;
    assertionResults?: Array<{ title: string; status: string }>;
  }>;
}

function statusOf(vitestStatus: string): ProofStatus {
  if (vitestStatus === "passed" || vitestStatus === "failed") return vitestStatus;
  return "skipped";
}

/** Collect proofs from the test sources, then mark each with its result in the last run. */
export function collectProofs(root: string): { proofs: Proof[]; testRunAt: string | null } {
  const byKey = new Map<string, Proof>();
  for (const file of testFiles(root)) {
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(testCall)) {
      const title = match[2]!;
      if (idsOf(title).length === 0) continue;
      const proof: Proof = { file: relative(root, file), title, status: "not run" };
      byKey.set(`${proof.file}\n${title}`, proof);
    }
  }
  let testRunAt: string | null = null;
  const reportPath = path.join(root, testReportFile);
  if (existsSync(reportPath)) {
    let report: VitestReport = {};
    try {
      report = JSON.parse(readFileSync(reportPath, "utf8")) as VitestReport;
    } catch {
      // A half-written report counts as no report.
    }
    if (typeof report.startTime === "number") testRunAt = new Date(report.startTime).toISOString();
    for (const suite of report.testResults ?? []) {
      const file = relative(root, path.resolve(root, suite.name));
      for (const result of suite.assertionResults ?? []) {
        if (idsOf(result.title).length === 0) continue;
        const key = `${file}\n${result.title}`;
        // Titles built at run time are not in the sources; the report still names them.
        const proof = byKey.get(key) ?? { file, title: result.title, status: "not run" as ProofStatus };
        const status = statusOf(result.status);
        // The same title twice in one file: one failure is enough to fail it.
        if (proof.status !== "failed") proof.status = status;
        byKey.set(key, proof);
      }
    }
  }
  return { proofs: [...byKey.values()], testRunAt };
}

function commitmentStatus(proofs: Proof[]): CommitmentStatus {
  if (proofs.length === 0) return "missing";
  if (proofs.some((proof) => proof.status === "failed")) return "failing";
  if (proofs.some((proof) => proof.status === "passed")) return "proven";
  return "unverified";
}

export function buildTrustReport(root: string, live: Record<LiveSettingName, unknown>): TrustReport {
  const { proofs, testRunAt } = collectProofs(root);
  const reports = commitments.map((commitment): CommitmentReport => {
    const own = proofs.filter((proof) => idsOf(proof.title).includes(commitment.id));
    return {
      id: commitment.id,
      summary: commitment.summary,
      status: commitmentStatus(own),
      proofs: own,
      live: Object.fromEntries(commitment.live.map((name) => [name, live[name]])),
    };
  });
  return {
    complete: reports.every((report) => report.status === "proven"),
    testRunAt,
    commitments: reports,
    live,
  };
}

/** The report as text for a terminal: one block per commitment. */
export function formatTrustReport(report: TrustReport): string {
  const lines: string[] = [];
  for (const commitment of report.commitments) {
    lines.push(
      `${commitment.id.padEnd(7)} ${commitment.status.toUpperCase().padEnd(10)} ${commitment.summary}`,
    );
    for (const proof of commitment.proofs)
      lines.push(`          ${proof.status.padEnd(8)} ${proof.file}: ${proof.title}`);
    for (const [name, value] of Object.entries(commitment.live)) {
      lines.push(`          live ${name}: ${JSON.stringify(value)}`);
    }
  }
  const order: CommitmentStatus[] = ["proven", "failing", "unverified", "missing"];
  const counts = order
    .map(
      (status) =>
        [status, report.commitments.filter((commitment) => commitment.status === status).length] as const,
    )
    .filter(([, count]) => count > 0);
  lines.push("");
  lines.push(
    `${report.commitments.length} commitments: ${counts.map(([status, count]) => `${count} ${status}`).join(", ")}` +
      (report.testRunAt ? ` (tests run ${report.testRunAt})` : " (no test report: run npm test)"),
  );
  return lines.join("\n");
}
