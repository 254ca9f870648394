// Lint rules for the whole repository: the recommended sets, typed, plus the project's few house rules.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".custodian/", "coverage/", "web/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": ["error", { allow: ["error"] }],
    },
  },
  {
    // The CLI, benchmarks and scripts talk to a terminal on purpose.
    files: ["src/main.ts", "src/cli/**", "bench/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
);
