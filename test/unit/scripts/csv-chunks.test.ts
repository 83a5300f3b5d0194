import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CsvRecord,
  decodeCsvBytes,
  FileError,
  parseCsv,
} from '../../../functions/imports/csv.js';
import {
  type CsvChunk,
  chunkBody,
  fileLine,
  scanRecords,
  splitCsv,
} from '../../../scripts/lib/csv-chunks.js';

const bytesOf = (text: string) => Buffer.from(text, 'utf8');
const textOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const BOM = '\uFEFF';

/** The file as the API reads it: decoded, then split into records. */
const apiRead = (bytes: Uint8Array) => parseCsv(decodeCsvBytes(bytes));

/** A CSV file of `rows` rows, each cell quoted only where it must be. */
function csvFile(
  header: string[],
  rows: string[][],
  options: { eol?: string; bom?: boolean } = {},
): Buffer {
  const eol = options.eol ?? '\r\n';
  const cell = (c: string) =>
    /[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c;
  const lines = [header, ...rows].map((cells) => cells.map(cell).join(','));

  return bytesOf(`${options.bom ? BOM : ''}${lines.join(eol)}${eol}`);
}

const header = ['ULN', 'Surname', 'Grade'];
const numbered = (n: number, surname = (i: number) => `Surname ${i}`) =>
  Array.from({ length: n }, (_, i) => [
    String(1_000_000_000 + i),
    surname(i),
    String(i % 10),
  ]);

/** Every row of every chunk, as the API reads it, in the file's lines. */
function rowsInFileLines(chunks: CsvChunk[]): CsvRecord[] {
  return chunks.flatMap((chunk) =>
    apiRead(chunkBody(chunk)).rows.map((row) => ({
      line: fileLine(chunk, row.line),
      cells: row.cells,
    })),
  );
}

/** Runs `fn` and returns the FileError it throws; fails if it throws none. */
function fileErrorOf(fn: () => unknown): FileError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FileError) return error;
    throw error;
  }
  throw new Error('expected a FileError');
}

describe('scanRecords', () => {
  it('finds where each record starts and on which line', () => {
    const file = bytesOf('a,b\r\n1,"two\r\nlines"\r\n\r\n3,4');

    expect([...scanRecords(file)]).toEqual([
      { start: 0, line: 1, blank: false },
      { start: 5, line: 2, blank: false },
      { start: 21, line: 4, blank: true },
      { start: 23, line: 5, blank: false },
    ]);
  });

  it('treats a record of empty or white-space cells as blank', () => {
    const file = bytesOf('a\n , ,""\n\u00a0\n"\u3000"\n""""\n');

    expect([...scanRecords(file)].map((r) => r.blank)).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('reads a quote inside an unquoted cell as a character', () => {
    const file = bytesOf('a,b\n5" disk,"x"\n6,7\n');

    expect([...scanRecords(file)].map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it('looks past the byte-order marks the API strips, two of them too', () => {
    // An editor that adds its own mark to a file that had one leaves two.
    const file = bytesOf(`${BOM}${BOM}"Candidate\nSurname",ULN\n1,2\n`);

    expect([...scanRecords(file)].map((r) => r.line)).toEqual([1, 3]);
    expect(apiRead(file).rows.map((r) => r.line)).toEqual([3]);
  });

  it('finds the same rows on the same lines as the API does', () => {
    const character = fc.constantFrom(
      'a',
      ' ',
      ',',
      '"',
      '\r',
      '\n',
      '\u00a0',
      'é',
      BOM,
    );
    fc.assert(
      fc.property(fc.array(character, { maxLength: 60 }), (chars) => {
        const file = bytesOf(chars.join(''));
        let expected: number[] | string;
        try {
          expected = apiRead(file).rows.map((r) => r.line);
        } catch (error) {
          expected = (error as FileError).code;
        }

        let found: number[] | string;
        try {
          const lines = [...scanRecords(file)]
            .filter((r) => !r.blank)
            .map((r) => r.line);
          found = lines.length === 0 ? 'EMPTY_FILE' : lines.slice(1);
        } catch (error) {
          found = (error as FileError).code;
        }

        expect(found).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('splitCsv', () => {
  it('keeps every chunk within the limit, header included', () => {
    const file = csvFile(header, numbered(500));

    const chunks = splitCsv(file, 1000);

    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) {
      expect(chunkBody(chunk).length).toBeLessThanOrEqual(1000);
    }
  });

  it('fills each chunk as far as the next row would not fit', () => {
    const file = csvFile(header, numbered(500));
    const rowBytes = bytesOf('1000000000,Surname 0,0\r\n').length;
    const headerBytes = bytesOf('ULN,Surname,Grade\r\n').length;

    const [first] = splitCsv(file, headerBytes + 10 * rowBytes);

    expect(first?.records.length).toBe(10 * rowBytes);
  });

  it('puts every row in exactly one chunk, in the order of the file', () => {
    const file = csvFile(header, numbered(300), { bom: true });
    const headerBytes = bytesOf(`${BOM}ULN,Surname,Grade\r\n`);

    const chunks = splitCsv(file, 700);

    const records = Buffer.concat(chunks.map((c) => c.records));
    expect(Buffer.concat([headerBytes, records]).equals(file)).toBe(true);
    expect(rowsInFileLines(chunks)).toEqual(apiRead(file).rows);
  });

  it('starts every chunk with the header row as saved, BOM and all', () => {
    const file = csvFile(header, numbered(100), { bom: true });

    const chunks = splitCsv(file, 300);

    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      const body = chunkBody(chunk);
      expect(textOf(body).startsWith(`${BOM}ULN,Surname,Grade\r\n`)).toBe(true);
      expect(apiRead(body).header).toEqual(header);
    }
  });

  it('never cuts inside a quoted field, line breaks and commas and all', () => {
    const surname = (i: number) => `Line one, ${i}\r\nline "two"\nthree`;
    const file = csvFile(header, numbered(60, surname));

    const chunks = splitCsv(file, 250);

    expect(chunks.length).toBeGreaterThan(5);
    const rows = rowsInFileLines(chunks);
    expect(rows.map((r) => r.cells[1])).toEqual(
      numbered(60, surname).map((r) => r[1]),
    );
  });

  it("translates each chunk's lines back to the file's lines", () => {
    // Three lines a row, so a wrong offset cannot pass by luck.
    const surname = (i: number) => `${i}\nsecond\nthird`;
    const file = csvFile(header, numbered(40, surname), { eol: '\n' });

    const chunks = splitCsv(file, 200);

    expect(chunks[0]?.lineOffset).toBe(0);
    expect(chunks.map((c) => c.firstLine)).toEqual(
      chunks.map((c) => 2 + c.lineOffset),
    );
    const lines = rowsInFileLines(chunks).map((r) => r.line);
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => 2 + 3 * i));
  });

  it('counts a header that spans two lines when translating', () => {
    const file = csvFile(['ULN', 'Candidate\nSurname'], numbered(30), {
      eol: '\n',
    });

    const chunks = splitCsv(file, 120);

    expect(chunks.length).toBeGreaterThan(3);
    expect(rowsInFileLines(chunks)).toEqual(apiRead(file).rows);
    const second = chunks[1] as CsvChunk;
    expect(second.firstLine).toBe(3 + second.lineOffset);
  });

  it('cuts after a CRLF, never between its CR and LF', () => {
    const file = csvFile(header, numbered(50));

    for (const chunk of splitCsv(file, 150)) {
      const text = textOf(chunk.records);
      expect(text.endsWith('\r\n')).toBe(true);
      expect(text.startsWith('\n')).toBe(false);
    }
  });

  it('reads lone-CR line endings as the API does', () => {
    const file = csvFile(header, numbered(40), { eol: '\r' });

    expect(rowsInFileLines(splitCsv(file, 200))).toEqual(apiRead(file).rows);
  });

  it('gives a row longer than the limit a chunk of its own', () => {
    const rows = numbered(6);
    rows[3] = ['1000000003', 'x'.repeat(500), '3'];
    const file = csvFile(header, rows);

    const chunks = splitCsv(file, 100);

    const long = chunks.find((c) => textOf(c.records).includes('xxx'));
    expect(apiRead(chunkBody(long as CsvChunk)).rows).toHaveLength(1);
    expect(rowsInFileLines(chunks)).toEqual(apiRead(file).rows);
  });

  it('leaves blank lines with the row before them, never alone', () => {
    const file = bytesOf(
      'ULN,Grade\r\n\r\n1,A\r\n\r\n\r\n2,B\r\n\r\n3,C\r\n\r\n',
    );

    const chunks = splitCsv(file, 15);

    expect(chunks.map((c) => apiRead(chunkBody(c)).rows.length)).toEqual([
      1, 1, 1,
    ]);
    expect(rowsInFileLines(chunks).map((r) => r.line)).toEqual([3, 6, 8]);
  });

  it('keeps a last row that has no line break', () => {
    const file = bytesOf('ULN,Grade\n1,A\n2,B\n3,C');

    const chunks = splitCsv(file, 15);

    expect(textOf(chunks.at(-1)?.records ?? new Uint8Array())).toBe('3,C');
    expect(rowsInFileLines(chunks).map((r) => r.line)).toEqual([2, 3, 4]);
  });

  it('sends a file of headings alone as it is, for the API to answer', () => {
    for (const text of [
      'ULN,Grade',
      'ULN,Grade\r\n',
      'ULN,Grade\r\n\r\n',
      '',
    ]) {
      const file = bytesOf(text);

      const chunks = splitCsv(file, 5);

      expect(chunks).toHaveLength(1);
      expect(Buffer.from(chunkBody(chunks[0] as CsvChunk)).equals(file)).toBe(
        true,
      );
    }
  });

  it('refuses a quoted value that never closes, naming its line', () => {
    const file = bytesOf('ULN,Surname\n1,Smith\n2,"Jones\n3,Patel\n');

    const error = fileErrorOf(() => splitCsv(file, 1000));

    expect(error.code).toBe('UNCLOSED_QUOTE');
    expect(error.message).toContain('line 3');
  });

  it('splits any file into chunks the API reads as it reads the file', () => {
    const cell = fc.stringMatching(/^[a-z ,"\r\né]{0,12}$/);
    const table = fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), {
      minLength: 1,
      maxLength: 30,
    });
    const eol = fc.constantFrom('\r\n', '\n', '\r');
    fc.assert(
      fc.property(
        table,
        eol,
        fc.boolean(),
        fc.integer({ min: 1, max: 120 }),
        (rows, end, bom, limit) => {
          const file = csvFile(['A', 'B'], rows, { eol: end, bom });
          const expected = apiRead(file).rows;

          const chunks = splitCsv(file, limit);

          expect(rowsInFileLines(chunks)).toEqual(expected);
          for (const chunk of chunks) {
            const body = chunkBody(chunk);
            const inChunk = apiRead(body).rows.length;
            if (expected.length > 0) expect(inChunk).toBeGreaterThan(0);
            if (inChunk > 1) expect(body.length).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('splits the Oakfield results sample as the API reads it', () => {
    const file = readFileSync(
      new URL('../../../samples/oakfield/results.csv', import.meta.url),
    );

    const chunks = splitCsv(file, 20_000);

    expect(chunks.length).toBeGreaterThanOrEqual(file.length / 20_000);
    for (const chunk of chunks) {
      expect(chunkBody(chunk).length).toBeLessThanOrEqual(20_000);
    }
    expect(rowsInFileLines(chunks)).toEqual(apiRead(file).rows);
    expect(rowsInFileLines(chunks)).toHaveLength(1471);
  });
});
