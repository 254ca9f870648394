// The help text of the command line, made from the commands themselves.
import type { Command } from "./command.ts";

const column = 42;
const width = 110;

/** Words wrapped to the help's width, each line after the first indented to the description column. */
function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

export function helpText(commands: readonly Command[]): string {
  const entries = commands.flatMap((command) => {
    const head = `  ${[command.words, command.arguments, command.usage].filter(Boolean).join(" ")}`;
    const description = wrap(command.description, column);
    if (head.length < column - 1) {
      return [
        head.padEnd(column) + description[0],
        ...description.slice(1).map((line) => " ".repeat(column) + line),
      ];
    }
    const usage = wrap(head.trim(), 4).map((line, index) => (index === 0 ? `  ${line}` : `      ${line}`));
    return [...usage, ...description.map((line) => " ".repeat(column) + line)];
  });
  return [
    "Usage: custodian <command> [options]",
    "",
    "Commands:",
    ...entries,
    "",
    "Configuration comes from CUSTODIAN_* environment variables (see README.md).",
  ].join("\n");
}
