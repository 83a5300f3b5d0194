import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cellAt,
  columnIndex,
  decodeCsvBytes,
  extraValuesRejection,
  FileError,
  parseCsv,
  readTable,
} from '../../../functions/imports/csv.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

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

describe('decodeCsvBytes', () => {
  it('decodes UTF-8, accents and all', () => {
    expect(decodeCsvBytes(utf8('UPN,Surname\nA1,Müller Nguyễn\n'))).toBe(
      'UPN,Surname\nA1,Müller Nguyễn\n',
    );
  });

  it('strips a leading byte-order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('UPN\n')]);
    expect(decodeCsvBytes(bytes)).toBe('UPN\n');
  });

  it('strips a second byte-order mark that an editor added', () => {
    const bom = [0xef, 0xbb, 0xbf];
    const bytes = new Uint8Array([...bom, ...bom, ...utf8('UPN\n')]);
    expect(decodeCsvBytes(bytes)).toBe('UPN\n');
  });

  it('refuses Windows-1252 bytes rather than guessing', () => {
    // "Müller" saved by Excel as plain "CSV (Comma delimited)".
    const bytes = new Uint8Array([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]);

    const error = fileErrorOf(() => decodeCsvBytes(bytes));

    expect(error.name).toBe('FileError');
    expect(error.code).toBe('FILE_NOT_UTF8');
    expect(error.message).toContain('CSV UTF-8');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('refuses UTF-16, which Excel writes as "Unicode text"', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x55, 0x00, 0x50, 0x00]);
    expect(fileErrorOf(() => decodeCsvBytes(bytes)).code).toBe('FILE_NOT_UTF8');
  });
});

describe('parseCsv', () => {
  it('splits a header and rows, numbering lines from the header', () => {
    expect(parseCsv('a,b\n1,2\n3,4\n')).toEqual({
      header: ['a', 'b'],
      rows: [
        { line: 2, cells: ['1', '2'] },
        { line: 3, cells: ['3', '4'] },
      ],
    });
  });

  it('reads CRLF, LF and lone CR line endings alike', () => {
    const expected = parseCsv('a,b\n1,2\n3,4');
    expect(parseCsv('a,b\r\n1,2\r\n3,4\r\n')).toEqual(expected);
    expect(parseCsv('a,b\r1,2\r3,4\r')).toEqual(expected);
  });

  it('keeps commas inside quoted fields', () => {
    const { rows } = parseCsv('name,form\n"Smith, Jones",11A\n');
    expect(rows[0]?.cells).toEqual(['Smith, Jones', '11A']);
  });

  it('reads doubled quotes as one quote', () => {
    const { rows } = parseCsv('name\n"The ""Rock"" Johnson"\n');
    expect(rows[0]?.cells).toEqual(['The "Rock" Johnson']);
  });

  it('numbers a record by its first line when a field spans lines', () => {
    const text = 'a,b\r\n"two\r\nlines",x\r\n"three\nmore\rlines",y\r\nz,w\r\n';

    const { rows } = parseCsv(text);

    expect(rows).toEqual([
      { line: 2, cells: ['two\r\nlines', 'x'] },
      { line: 4, cells: ['three\nmore\rlines', 'y'] },
      { line: 7, cells: ['z', 'w'] },
    ]);
  });

  it('skips blank lines but still counts them', () => {
    const { rows } = parseCsv('a,b\r\n\r\n1,2\r\n   \r\n,,\r\n3,4\r\n\r\n');
    expect(rows).toEqual([
      { line: 3, cells: ['1', '2'] },
      { line: 6, cells: ['3', '4'] },
    ]);
  });

  it('skips blank lines before the header', () => {
    const { header, rows } = parseCsv('\n\na,b\n1,2\n');
    expect(header).toEqual(['a', 'b']);
    expect(rows).toEqual([{ line: 4, cells: ['1', '2'] }]);
  });

  it('reads a last row that has no line break', () => {
    expect(parseCsv('a,b\n1,').rows).toEqual([{ line: 2, cells: ['1', ''] }]);
  });

  it('keeps empty fields, quoted or not', () => {
    expect(parseCsv('a,b,c\n,"",x\n').rows[0]?.cells).toEqual(['', '', 'x']);
  });

  it('strips a byte-order mark left in the text', () => {
    expect(parseCsv('\uFEFFUPN,ULN\nx,y\n').header).toEqual(['UPN', 'ULN']);
  });

  it('keeps a quote inside an unquoted field as a character', () => {
    expect(parseCsv('a\nO"Brien\n').rows[0]?.cells).toEqual(['O"Brien']);
  });

  it('keeps text that follows a closing quote', () => {
    expect(parseCsv('a,b\n"x"y,z\n').rows[0]?.cells).toEqual(['xy', 'z']);
  });

  it('throws UNCLOSED_QUOTE, naming the line, for a quote never closed', () => {
    const error = fileErrorOf(() => parseCsv('a,b\n1,2\n"Smith,3\n4,5\n'));

    expect(error.code).toBe('UNCLOSED_QUOTE');
    expect(error.message).toContain('line 3');
    expect(error.message).not.toContain('Smith');
  });

  it('throws EMPTY_FILE for a file with nothing in it', () => {
    for (const text of ['', '\uFEFF', '\r\n\r\n', ' ,, \n']) {
      expect(fileErrorOf(() => parseCsv(text)).code).toBe('EMPTY_FILE');
    }
  });

  it('reads back any table written with RFC 4180 quoting', () => {
    const cell = fc.string({
      unit: fc.constantFrom('a', 'É', ' ', ',', '"', '\n', '\r', '\r\n', '1'),
      maxLength: 8,
    });
    const row = fc
      .array(cell, { minLength: 1, maxLength: 5 })
      .filter((cells) => cells.some((c) => c.trim() !== ''));
    const eol = fc.constantFrom('\n', '\r\n');

    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 6 }),
        eol,
        (table, end) => {
          const quote = (c: string) => `"${c.replaceAll('"', '""')}"`;
          const lines = table.map((cells) => cells.map(quote).join(','));
          const text = lines.join(end) + end;

          const parsed = parseCsv(text);

          expect([parsed.header, ...parsed.rows.map((r) => r.cells)]).toEqual(
            table,
          );
          let line = 1;
          table.forEach((cells, i) => {
            if (i > 0) expect(parsed.rows[i - 1]?.line).toBe(line);
            line += 1 + (cells.join(',').match(/\r\n|\r|\n/g)?.length ?? 0);
          });
        },
      ),
    );
  });

  it('never throws anything but a FileError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseCsv(text);
        } catch (error) {
          expect(error).toBeInstanceOf(FileError);
        }
      }),
    );
  });
});

describe('columnIndex', () => {
  const spec = {
    upn: { required: true, headers: ['UPN', 'Unique Pupil Number'] },
    surname: {
      required: true,
      headers: ['Legal Surname', 'Legal last name', 'Surname'],
    },
    form: { required: false, headers: ['Reg', 'Form'] },
  } as const;

  it('maps headers case-insensitively, ignoring surrounding space', () => {
    expect(columnIndex(['  unique PUPIL number ', 'SURNAME'], spec)).toEqual({
      upn: 0,
      surname: 1,
      form: -1,
    });
  });

  it('ignores columns nobody asked for', () => {
    expect(
      columnIndex(['Notes', 'UPN', 'House', 'Surname', 'Form'], spec),
    ).toEqual({ upn: 1, surname: 3, form: 4 });
  });

  it('prefers the first listed spelling when two are present', () => {
    const columns = columnIndex(['Surname', 'UPN', 'Legal Surname'], spec);
    expect(columns.surname).toBe(2);
  });

  it('throws MISSING_COLUMN for a required field, naming the headers', () => {
    const error = fileErrorOf(() => columnIndex(['UPN', 'Forename'], spec));

    expect(error.code).toBe('MISSING_COLUMN');
    expect(error.field).toBe('surname');
    expect(error.message).toContain(
      '"Legal Surname", "Legal last name" or "Surname"',
    );
  });

  it('throws DUPLICATE_COLUMN when one heading is on two columns', () => {
    const error = fileErrorOf(() =>
      columnIndex(['UPN', 'Surname', 'upn '], spec),
    );

    expect(error.code).toBe('DUPLICATE_COLUMN');
    expect(error.field).toBe('upn');
  });
});

describe('readTable', () => {
  const spec = { upn: { required: true, headers: ['UPN'] } } as const;

  it('returns columns, the header width and the rows', () => {
    expect(readTable('UPN,Other\nx,y\n', spec)).toEqual({
      columns: { upn: 0 },
      width: 2,
      rows: [{ line: 2, cells: ['x', 'y'] }],
    });
  });

  it('throws EMPTY_FILE for headings with no rows under them', () => {
    const error = fileErrorOf(() => readTable('UPN,Other\r\n\r\n', spec));
    expect(error.code).toBe('EMPTY_FILE');
  });

  it('checks the columns before the rows', () => {
    expect(fileErrorOf(() => readTable('Other\n', spec)).code).toBe(
      'MISSING_COLUMN',
    );
  });
});

describe('cellAt', () => {
  it('trims the cell', () => {
    expect(cellAt([' a '], 0)).toBe('a');
  });

  it('gives an empty string for an absent column or a short row', () => {
    expect(cellAt(['a'], -1)).toBe('');
    expect(cellAt(['a'], 3)).toBe('');
  });
});

describe('extraValuesRejection', () => {
  it('allows empty cells past the last heading', () => {
    expect(extraValuesRejection({ line: 2, cells: ['a', 'b', ' '] }, 2)).toBe(
      undefined,
    );
  });

  it('rejects a value past the last heading', () => {
    const rejection = extraValuesRejection(
      { line: 7, cells: ['Smith', ' Jones', 'F'] },
      2,
    );

    expect(rejection).toMatchObject({
      line: 7,
      field: 'row',
      code: 'EXTRA_VALUES',
    });
    expect(rejection?.message).not.toMatch(/Smith|Jones/);
  });
});
