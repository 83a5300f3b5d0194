/**
 * Reading the CSV files centres upload: strict UTF-8, RFC 4180 records,
 * and header spellings mapped to our field names. Row-level problems are
 * Rejections; a problem with the whole file throws FileError.
 *
 * Messages never quote a cell: cells hold personal data, and messages are
 * shown and logged.
 */

import { hasUnsafeText, normaliseName } from './identifiers.js';

/** Why one row was not imported. `line` counts the header as line 1. */
export interface Rejection {
  line: number;
  field: string;
  code: string;
  message: string;
}

/** The whole file is unusable; nothing from it was imported. */
export class FileError extends Error {
  override readonly name = 'FileError';
  readonly code: string;
  readonly field?: string;

  constructor(
    code: string,
    message: string,
    options: { field?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }
}

export interface CsvRecord {
  /** The line the record starts on; the header is line 1. */
  line: number;
  cells: string[];
}

export interface CsvTable {
  header: string[];
  rows: CsvRecord[];
}

const BOM = '\uFEFF';

const stripBom = (text: string) =>
  text.startsWith(BOM) ? text.slice(1) : text;

// Fatal, so that Windows-1252 bytes are refused rather than guessed at:
// a wrong guess would silently misspell names.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes an upload; throws FILE_NOT_UTF8 for anything but UTF-8. */
export function decodeCsvBytes(bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new FileError(
      'FILE_NOT_UTF8',
      'The file is not saved as UTF-8, so names with accents would be ' +
        'misread. In Excel choose Save As, pick "CSV UTF-8 (Comma ' +
        'delimited)", and import that file again.',
      { cause },
    );
  }

  // TextDecoder drops one BOM; an editor that adds its own leaves a second.
  return stripBom(text);
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '');

/**
 * Splits text into records as RFC 4180 describes, accepting CRLF, LF or a
 * lone CR as the line break. A quoted field may hold commas, doubled
 * quotes and line breaks; a quote inside an unquoted field is kept as a
 * character. Blank records are skipped but their lines still count.
 *
 * Throws EMPTY_FILE when there is no header, and UNCLOSED_QUOTE when a
 * quoted field runs to the end of the file (every later row would be lost
 * inside it).
 */
export function parseCsv(text: string): CsvTable {
  const input = stripBom(text);
  const records: CsvRecord[] = [];
  const length = input.length;
  let line = 1;
  let i = 0;

  while (i < length) {
    const startLine = line;
    const cells: string[] = [];
    let endOfRecord = false;

    while (!endOfRecord) {
      let cell = '';

      if (input.charCodeAt(i) === QUOTE) {
        i++;
        let closed = false;
        while (i < length) {
          const end = input.indexOf('"', i);
          if (end < 0) break;
          cell += input.slice(i, end);
          line += countLineBreaks(input, i, end);
          if (input.charCodeAt(end + 1) === QUOTE) {
            cell += '"';
            i = end + 2;
          } else {
            i = end + 1;
            closed = true;
            break;
          }
        }
        if (!closed) {
          throw new FileError(
            'UNCLOSED_QUOTE',
            `A quoted value that starts on line ${startLine} has no ` +
              'closing quote. Check that row in the file, or export it ' +
              'again from the system it came from.',
          );
        }
      }

      // Unquoted text, or stray text after a closing quote, runs to the
      // next comma or line break.
      const start = i;
      while (i < length) {
        const code = input.charCodeAt(i);
        if (code === COMMA || code === LF || code === CR) break;
        i++;
      }
      cell += input.slice(start, i);
      cells.push(cell);

      const code = input.charCodeAt(i);
      if (code === COMMA) {
        i++;
      } else {
        if (code === CR && input.charCodeAt(i + 1) === LF) i++;
        if (i < length) {
          i++;
          line++;
        }
        endOfRecord = true;
      }
    }

    if (!isBlank(cells)) records.push({ line: startLine, cells });
  }

  const [first, ...rows] = records;
  if (!first) {
    throw new FileError(
      'EMPTY_FILE',
      'The file is empty. Export it again and check that it has a row of ' +
        'column headings and a row for each person.',
    );
  }

  return { header: first.cells, rows };
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code === LF) count++;
    else if (code === CR && text.charCodeAt(i + 1) !== LF) count++;
  }

  return count;
}

export interface ColumnSpec {
  required: boolean;
  /** Accepted spellings, most specific first: the first one found wins. */
  headers: readonly string[];
}

export type ColumnSpecs<F extends string> = Record<F, ColumnSpec>;

/** Each field's cell index, or -1 when an optional column is absent. */
export type Columns<F extends string> = Record<F, number>;

const headerKey = (s: string) => s.trim().toLowerCase();

/**
 * Maps the header row to field indexes. Header spellings compare
 * case-insensitively, ignoring surrounding space; columns nobody asked for
 * are ignored. Throws MISSING_COLUMN for an absent required field and
 * DUPLICATE_COLUMN when one spelling heads two columns, since either could
 * be the right one.
 */
export function columnIndex<F extends string>(
  header: readonly string[],
  spec: ColumnSpecs<F>,
): Columns<F> {
  const positions = new Map<string, number[]>();
  header.forEach((name, index) => {
    const key = headerKey(stripBom(name));
    if (key === '') return;
    const list = positions.get(key);
    if (list) list.push(index);
    else positions.set(key, [index]);
  });

  const columns = {} as Columns<F>;
  for (const field of Object.keys(spec) as F[]) {
    const { required, headers } = spec[field];
    let index = -1;
    for (const spelling of headers) {
      const found = positions.get(headerKey(spelling));
      if (!found) continue;
      if (found.length > 1) {
        throw new FileError(
          'DUPLICATE_COLUMN',
          `The column heading "${spelling}" appears more than once. Keep ` +
            'one column with that heading and import the file again.',
          { field },
        );
      }
      index = found[0] ?? -1;
      break;
    }
    if (index < 0 && required) {
      throw new FileError(
        'MISSING_COLUMN',
        `The file has no column for ${describeColumn(headers)}. Add the ` +
          'column to the export, or rename its heading, and import the ' +
          'file again.',
        { field },
      );
    }
    columns[field] = index;
  }

  return columns;
}

function describeColumn(headers: readonly string[]): string {
  const quoted = headers.map((h) => `"${h}"`);
  if (quoted.length === 1) return quoted[0] ?? '';

  return `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** What a field's cells may hold, checked before the field's own rules. */
export interface CellRule {
  /**
   * The most characters the field keeps, after trimming and composing.
   * Each row becomes items in DynamoDB, which holds at most 400 KB an
   * item, so no cell may be unbounded.
   */
  max: number;
  /**
   * The code for a cell holding a control character or text-direction
   * override; unset for fields whose own format already rules those out.
   */
  unsafe?: string;
}

export type CellRules<F extends string> = Record<F, CellRule>;

/**
 * The first cell, in field order, that is too long for its field
 * (VALUE_TOO_LONG) or holds characters the field may not hold. `labels`
 * name the fields in messages and `fix` says what to do; the value itself
 * is never quoted.
 */
export function cellRejection<F extends string>(
  record: CsvRecord,
  columns: Columns<F>,
  rules: CellRules<F>,
  wording: { labels: Record<F, string>; fix: string },
): Rejection | undefined {
  for (const field of Object.keys(rules) as F[]) {
    const { max, unsafe } = rules[field];
    const value = normaliseName(cellAt(record.cells, columns[field]));
    const label = wording.labels[field];
    if (value.length > max) {
      return {
        line: record.line,
        field,
        code: 'VALUE_TOO_LONG',
        message:
          `The ${label} is longer than ${max} characters, the most this ` +
          `service keeps. ${wording.fix}`,
      };
    }
    if (unsafe && hasUnsafeText(value)) {
      return {
        line: record.line,
        field,
        code: unsafe,
        message: unsafeTextMessage(label, wording.fix),
      };
    }
  }

  return undefined;
}

/** The message for text holding a control or text-direction character. */
export const unsafeTextMessage = (label: string, fix: string) =>
  `The ${label} holds a line break, a control character or a hidden ` +
  `character that changes the direction of text. ${fix}`;

/** The trimmed cell for a column, or '' when absent or short. */
export const cellAt = (cells: readonly string[], index: number): string =>
  index < 0 ? '' : (cells[index]?.trim() ?? '');

/**
 * parseCsv and columnIndex together, for a file that must hold rows: a
 * file of headings alone throws EMPTY_FILE rather than reading as an empty
 * roll.
 */
export function readTable<F extends string>(
  text: string,
  spec: ColumnSpecs<F>,
): { columns: Columns<F>; width: number; rows: CsvRecord[] } {
  const { header, rows } = parseCsv(text);
  const columns = columnIndex(header, spec);
  if (rows.length === 0) {
    throw new FileError(
      'EMPTY_FILE',
      'The file has column headings but no rows. Export it again with a ' +
        'row for each person.',
    );
  }

  return { columns, width: header.length, rows };
}

/**
 * A value past the last heading usually means an unquoted comma shifted
 * the row, so every cell after it is in the wrong column.
 */
export function extraValuesRejection(
  record: CsvRecord,
  width: number,
): Rejection | undefined {
  for (let i = width; i < record.cells.length; i++) {
    if (record.cells[i]?.trim() !== '') {
      return {
        line: record.line,
        field: 'row',
        code: 'EXTRA_VALUES',
        message:
          'This row has more values than the file has column headings, ' +
          'often because a comma in a name was not quoted. Correct the ' +
          'row and import the file again.',
      };
    }
  }

  return undefined;
}

/**
 * Whether a row can be read at all: no values past the last heading, and
 * every cell within its limits. The first problem found, or nothing.
 */
export function rowShapeRejection<F extends string>(
  record: CsvRecord,
  width: number,
  columns: Columns<F>,
  rules: CellRules<F>,
  wording: { labels: Record<F, string>; fix: string },
): Rejection | undefined {
  return (
    extraValuesRejection(record, width) ??
    cellRejection(record, columns, rules, wording)
  );
}
