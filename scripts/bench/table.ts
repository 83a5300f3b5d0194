/**
 * The bench's one table: each figure beside its reference measured in the
 * same run, the ratio of the two, the target and whether it was met.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A target on a row's ratio (or, with no reference, its value). */
export interface Target {
  on: 'ratio' | 'value';
  op: '<=' | '<' | '>=' | '==';
  limit: number;
}

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** The same figure for the row's floor or reference; null if none. */
  reference: number | null;
  /** value / reference, or null without a reference. */
  ratio: number | null;
  /** `ratio <= 1.3`, `value < 50`; null for a row that is only reported. */
  target: string | null;
  /** null when there is no target. */
  met: boolean | null;
}

/** A row with its ratio worked out and its target checked. */
export function row(
  name: string,
  value: number,
  unit: string,
  reference: number | null = null,
  target: Target | null = null,
): Row {
  const ratio = reference ? value / reference : null;
  return {
    name,
    value: round(value),
    unit,
    reference: reference === null ? null : round(reference),
    ratio: ratio === null ? null : round(ratio, 3),
    target: target ? `${target.on} ${target.op} ${target.limit}` : null,
    met: target ? meets(target, target.on === 'ratio' ? ratio : value) : null,
  };
}

export function meets(target: Target, figure: number | null): boolean {
  if (figure === null || !Number.isFinite(figure)) return false;
  switch (target.op) {
    case '<=':
      return figure <= target.limit;
    case '<':
      return figure < target.limit;
    case '>=':
      return figure >= target.limit;
    case '==':
      return figure === target.limit;
  }
}

/** Shorthands for the targets the README's "Performance and cost" sets. */
export const atMost = (limit: number, on: Target['on'] = 'ratio'): Target => ({
  on,
  op: '<=',
  limit,
});
export const atLeast = (limit: number, on: Target['on'] = 'ratio'): Target => ({
  on,
  op: '>=',
  limit,
});
export const below = (limit: number, on: Target['on'] = 'value'): Target => ({
  on,
  op: '<',
  limit,
});
export const exactly = (limit: number): Target => ({
  on: 'value',
  op: '==',
  limit,
});

/** Rounds to `digits` decimals, or to 3 significant figures below 1. */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The p-th percentile (0-100) by the nearest-rank method. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export const median = (values: readonly number[]) => percentile(values, 50);

const shown = (value: number | null) =>
  value === null ? '' : value.toLocaleString('en-GB');

/** The table as Markdown, which reads as well on a terminal. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'value', 'unit', 'reference', 'ratio'];
  const cells = rows.map((r) => [
    r.name,
    shown(r.value),
    r.unit,
    shown(r.reference),
    shown(r.ratio),
    r.target ?? '',
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const all = [[...header, 'target', 'met'], ...cells];
  const widths = all[0]?.map((_, i) =>
    Math.max(...all.map((line) => (line[i] ?? '').length)),
  ) as number[];
  const line = (values: string[]) =>
    `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(all[0] as string[]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.map(line),
  ].join('\n');
}

export function writeRows(file: string, rows: readonly Row[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
}
