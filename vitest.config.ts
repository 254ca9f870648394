// One test runner for the whole repository: unit tests beside the code, cross-cutting ones in test/.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Generous: the suite must pass on a loaded 2-core host. Tests wait for conditions, never sleep,
    // so a passing test takes no longer for these limits.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
