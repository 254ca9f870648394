// The test command: format, lint and type checks, then the whole suite on embedded PGlite and, when
// CUSTODIAN_TEST_DATABASE_URL is set, again on that PostgreSQL server. Ends with "N passed, N failed".
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

let passed = 0;
let failed = 0;
let skipped = 0;
// Named again just before the summary, so that the last lines of a long log say what failed.
const failures: string[] = [];

function run(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  console.log(`\n=== ${label}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env });
  return result.status ?? 1;
}

function check(label: string, command: string, args: string[]): void {
  if (run(label, command, args) === 0) passed += 1;
  else {
    failed += 1;
    failures.push(label);
    console.log(`FAILED: ${label}`);
  }
}

function suite(label: string, env: NodeJS.ProcessEnv): void {
  const report = path.join(mkdtempSync(path.join(tmpdir(), "custodian-test-")), "report.json");
  const status = run(
    label,
    "vitest",
    ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
    env,
  );
  let counted = false;
  try {
    const result = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      numFailedTestSuites: number;
      testResults: {
        name: string;
        status: string;
        message?: string;
        assertionResults: { fullName: string; status: string }[];
      }[];
    };
    passed += result.numPassedTests;
    // A file that fails to load has no tests to count; count it as one failure.
    failed += result.numFailedTests + result.numFailedTestSuites;
    skipped += result.numPendingTests + result.numTodoTests;
    counted = true;
    for (const file of result.testResults) {
      const name = path.relative(process.cwd(), file.name);
      const tests = file.assertionResults.filter((test) => test.status === "failed");
      for (const test of tests) failures.push(`${label}: ${name} > ${test.fullName}`);
      if (file.status === "failed" && tests.length === 0)
        failures.push(`${label}: ${name}: ${file.message ?? "failed"}`);
    }
    // A stable copy for `custodian trust`, which reports whether each commitment's proofs passed.
    copyFileSync(report, path.join(import.meta.dirname, "..", ".custodian-test-report.json"));
  } catch {
    // No report: the runner itself failed.
  }
  if (!counted || (status !== 0 && failed === 0)) failed += 1;
}

check("format", "prettier", ["--check", "."]);
check("lint", "eslint", ["."]);
check("typecheck", "tsc", ["--noEmit"]);
check("typecheck web", "tsc", ["-p", "web", "--noEmit"]);
// The end-to-end tests drive the built app.
check("build web", "vite", ["build", "--config", "web/vite.config.ts", "--logLevel", "warn"]);
const { CUSTODIAN_TEST_DATABASE_URL: serverUrl, ...embedded } = process.env;
suite("tests on embedded PGlite", embedded);
if (serverUrl) suite(`tests on PostgreSQL (${new URL(serverUrl).host})`, process.env);

if (failures.length > 0) console.log(`\nFailed:\n${failures.map((failure) => `  ${failure}`).join("\n")}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
