// Prints a plain-text table for humans, above the JSON line that scripts read.

/** Left-aligns the first column and right-aligns the others (they hold numbers). */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((heading, column) =>
    Math.max(heading.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const format = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ");
  console.log(`\n${title}`);
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(format(row));
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** A progress reporter on stderr, so that stdout holds only the table and the final JSON line. */
export function progressFor(name: string): (message: string) => void {
  return (message) => console.error(`[bench ${name}] ${message}`);
}
