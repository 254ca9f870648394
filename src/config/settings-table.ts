// The README's settings table, written from the settings schema: `npm run docs:settings` puts it
// between the markers, and a test fails when the README and the schema disagree.
import { settings } from "./settings.ts";
import type { SettingFacts } from "./setting.ts";

export const tableStart =
  "<!-- settings:start (npm run docs:settings writes this table from src/config/settings.ts) -->";
export const tableEnd = "<!-- settings:end -->";

function shownDefault(schema: SettingFacts & { default?: unknown }): string {
  if (schema.shownDefault !== undefined) return schema.shownDefault;
  if (schema.default === undefined) return "unset";
  if (typeof schema.default === "boolean") return schema.default ? "`1`" : "`0`";
  return `\`${String(schema.default)}\``;
}

/** The rows: variable, default, whether it is secret, meaning. */
export function settingsRows(): string[][] {
  return Object.values(settings).map(({ schema }) => [
    `\`${schema.env}\``,
    shownDefault(schema),
    schema.secret ? "yes" : "",
    schema.description,
  ]);
}

/** The table as Markdown, padded the way the repository's formatter (prettier) pads it. */
export function settingsTable(): string {
  const header = ["Variable", "Default", "Secret", "Meaning"];
  const rows = [header, ...settingsRows()];
  const widths = header.map((_, column) => Math.max(3, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.slice(1).map(line)].join(
    "\n",
  );
}

/** `readme` with the table between the markers replaced by the schema's; throws if a marker is missing. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  if (start === -1 || end < start)
    throw new Error(`the README needs the markers ${tableStart} and ${tableEnd}`);
  return `${readme.slice(0, start + tableStart.length)}\n\n${settingsTable()}\n\n${readme.slice(end)}`;
}
