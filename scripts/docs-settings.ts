// `npm run docs:settings`: writes the README's settings table from the settings schema
// (src/config/settings.ts), between its markers.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { withSettingsTable } from "../src/config/settings-table.ts";

const readme = path.join(import.meta.dirname, "..", "README.md");
const before = readFileSync(readme, "utf8");
const after = withSettingsTable(before);
if (after !== before) writeFileSync(readme, after);
console.log(
  after === before ? "README.md: the settings table is up to date" : "README.md: settings table written",
);
