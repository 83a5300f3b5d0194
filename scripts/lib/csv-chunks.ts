/**
 * Splitting a CSV file that is too big for one request into chunks that
 * each hold the header row and whole records, so that every chunk is a
 * file the API reads on its own, and each chunk's line numbers can be
 * turned back into the file's.
 *
 * The scan works on bytes, so chunks are exact slices of the file and a
 * file the API would refuse as a whole (not UTF-8) is still refused. It
 * follows the API's reading of a file (functions/imports/csv.ts parseCsv):
 * a quote opens a quoted field only at the start of a cell, CRLF, LF and a
 * lone CR each end a line, a line break inside quotes is part of the field,
 * and a record whose cells are all blank is skipped but its lines count.
 */
import { FileError } from '../../functions/imports/csv.js';

export interface CsvChunk {
  /** The file's header record and its line break, as saved (a view). */
  header: Uint8Array;
  /** Whole records of the file that follow the header here (a view). */
  records: Uint8Array;
  /** Added to a line this chunk's report gives, makes the file's line. */
  lineOffset: number;
  /** The file's line the records start on (1 when the chunk is the file). */
  firstLine: number;
}

/** One record of the file: where it starts, on which line, if blank. */
export interface CsvRecordSpan {
  start: number;
  line: number;
  blank: boolean;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;

const utf8 = new TextDecoder();

// The ASCII characters String.prototype.trim removes (LF and CR included,
// as they may sit in a quoted field).
const isAsciiSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/** Where the text starts, after any byte-order marks the API strips. */
function textStart(bytes: Uint8Array): number {
  let at = 0;
  // decodeCsvBytes strips two and parseCsv a third.
  for (let n = 0; n < 3; n++) {
    if (BOM.every((b, i) => bytes[at + i] === b)) at += BOM.length;
  }

  return at;
}

/**
 * The records of a file in order, blank ones included. Throws the API's
 * UNCLOSED_QUOTE FileError when a quoted field runs to the end of the
 * file, since the API would refuse the whole file for it.
 */
export function* scanRecords(bytes: Uint8Array): Generator<CsvRecordSpan> {
  const length = bytes.length;
  let i = textStart(bytes);
  let line = 1;

  while (i < length) {
    const record = { start: i, line, blank: true };
    let endOfRecord = false;

    while (!endOfRecord) {
      // Content bytes of this cell: the quoted part, then any unquoted rest.
      let contentSeen = false;
      let nonAscii = false;
      const parts: [number, number][] = [];

      if (bytes[i] === QUOTE) {
        i++;
        const from = i;
        let closed = false;
        while (i < length) {
          const b = bytes[i] as number;
          if (b === QUOTE) {
            if (bytes[i + 1] === QUOTE) {
              contentSeen = true;
              i += 2;
              continue;
            }
            parts.push([from, i]);
            i++;
            closed = true;
            break;
          }
          if (b === LF || (b === CR && bytes[i + 1] !== LF)) line++;
          if (b >= 0x80) nonAscii = true;
          else if (!isAsciiSpace(b)) contentSeen = true;
          i++;
        }
        if (!closed) throw unclosedQuote(record.line);
      }

      const rest = i;
      while (i < length) {
        const b = bytes[i] as number;
        if (b === COMMA || b === LF || b === CR) break;
        if (b >= 0x80) nonAscii = true;
        else if (!isAsciiSpace(b)) contentSeen = true;
        i++;
      }
      parts.push([rest, i]);

      if (
        record.blank &&
        (contentSeen || (nonAscii && !blankText(bytes, parts)))
      ) {
        record.blank = false;
      }

      const b = bytes[i];
      if (b === COMMA) {
        i++;
      } else {
        if (b === CR && bytes[i + 1] === LF) i++;
        if (i < length) {
          i++;
          line++;
        }
        endOfRecord = true;
      }
    }

    yield record;
  }
}

/** Whether the text of a cell is only white space, as trim sees it. */
function blankText(bytes: Uint8Array, parts: [number, number][]): boolean {
  const text = parts
    .map(([from, to]) => utf8.decode(bytes.subarray(from, to)))
    .join('');

  return text.trim() === '';
}

function unclosedQuote(line: number): FileError {
  return new FileError(
    'UNCLOSED_QUOTE',
    `A quoted value that starts on line ${line} has no closing quote, so ` +
      'the API would refuse the whole file. Check that row, or export the ' +
      'file again from the system it came from.',
  );
}

/**
 * Splits a CSV file into chunks of at most `maxBytes` bytes, header
 * included, each cut just before a record that is not blank, so that no
 * chunk is only blank lines. A record too long to share a chunk goes in
 * one of its own, whatever its size. A file with a header and no rows is
 * one chunk, for the API to answer as it would the whole file.
 */
export function splitCsv(bytes: Uint8Array, maxBytes: number): CsvChunk[] {
  const records = scanRecords(bytes);
  const whole = [
    {
      header: bytes,
      records: bytes.subarray(0, 0),
      lineOffset: 0,
      firstLine: 1,
    },
  ];
  // Stepped by hand: leaving a for-of loop early would close the scan.
  let header = records.next();
  while (!header.done && header.value.blank) header = records.next();
  if (header.done) return whole;
  const afterHeader = records.next();
  if (afterHeader.done) return whole;

  // Every chunk repeats the bytes up to the header's line break, so rows
  // start on the same line in every chunk as in the file's first rows.
  const data = afterHeader.value;
  const headerBytes = bytes.subarray(0, data.start);
  const budget = maxBytes - headerBytes.length;
  const chunks: CsvChunk[] = [];
  let start = data.start;
  let startLine = data.line;
  let fit: { at: number; line: number } | undefined;
  let rows = data.blank ? 0 : 1;

  const cut = (at: number, line: number) => {
    chunks.push({
      header: headerBytes,
      records: bytes.subarray(start, at),
      lineOffset: startLine - data.line,
      firstLine: startLine,
    });
    start = at;
    startLine = line;
    fit = undefined;
  };

  // `at` is where the chunk could end: the start of a row, or the end of
  // the file. The chunk grows while it fits, and is cut at the last place
  // that fitted when it does not.
  const place = (at: number, line: number) => {
    if (at - start <= budget) {
      fit = { at, line };
      return;
    }
    if (fit) {
      cut(fit.at, fit.line);
      if (at - start <= budget) {
        fit = { at, line };
        return;
      }
    }
    cut(at, line);
  };

  for (const record of records) {
    if (record.blank) continue;
    if (rows++ === 0) continue;
    place(record.start, record.line);
  }
  if (rows === 0) return whole;
  place(bytes.length, 0);
  if (start < bytes.length) cut(bytes.length, 0);

  return chunks;
}

/** A chunk as one request body: the header, then its records. */
export function chunkBody(chunk: CsvChunk): Uint8Array<ArrayBuffer> {
  return Buffer.concat([chunk.header, chunk.records]);
}

/** Translates a line of a chunk's report into the file's line. */
export const fileLine = (chunk: CsvChunk, line: number) =>
  line + chunk.lineOffset;
