// Writes the table of `nnlab runs` (table.ts) for a terminal (aligned, accuracies in percent), as
// CSV (RFC 4180, raw numbers, lists as JSON) or as JSON (an array of row objects, raw values).
import type { Cell, RunsTable } from './table.ts';

export type Format = 'table' | 'csv' | 'json';
export const FORMATS: Format[] = ['table', 'csv', 'json'];

const raw = (v: Cell): string => (v === null ? '' : Array.isArray(v) ? JSON.stringify(v) : String(v));

function shown(column: string, v: Cell): string {
  if (v === null) return '–';
  if (typeof v === 'number') {
    if (column.endsWith('.accuracy')) return `${(v * 100).toFixed(2)}%`;
    if (column === 'max_relative_error') return v.toExponential(2);
    if (column === 'validation.loss') return v.toFixed(4);
    if (column === 'seconds') return v.toFixed(1);
  }
  return raw(v);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatRuns(table: RunsTable, format: Format): string {
  const { columns, rows } = table;
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  if (format === 'csv') return [columns, ...rows.map((r) => columns.map((c) => raw(r[c])))].map((l) => l.map(csvField).join(',')).join('\n') + '\n';
  const cells = rows.map((r) => columns.map((c) => shown(c, r[c])));
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number') && rows.every((r) => r[c] === null || typeof r[c] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((l) => l[i].length)));
  const line = (l: string[]) =>
    l
      .map((s, i) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n') + '\n';
}
