/** Plain-text tables for the terminal: first column left-aligned, the rest right-aligned (numbers). */

export function formatTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const [i, row] of rows.entries()) {
    if (row.length !== head.length) throw new RangeError(`table row ${i} has ${row.length} cells, the header has ${head.length}`);
  }
  const widths = head.map((h, c) => Math.max(width(h), ...rows.map((row) => width(row[c]!))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === 0 ? pad(cell, widths[c]!, 'end') : pad(cell, widths[c]!, 'start')))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Display width: ✓ and ✗ are one column wide like any other character here. */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, w: number, side: 'start' | 'end'): string {
  const fill = ' '.repeat(Math.max(0, w - width(text)));
  return side === 'start' ? fill + text : text + fill;
}

/** A number for a table cell; `—` when there is none. */
export function cell(value: number | undefined, decimals = 2): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(decimals);
}
