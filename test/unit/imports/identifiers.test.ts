import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasUnsafeText,
  isValidEmail,
  isValidUci,
  isValidUln,
  isValidUpn,
  NO_ULN,
  normaliseEmail,
  normaliseName,
  normaliseUci,
  normaliseUln,
  normaliseUpn,
  parseDate,
  SAFE_TEXT,
  uciCheckLetter,
  uciProblem,
  ulnCheckDigit,
  ulnProblem,
  upnCheckLetter,
  upnProblem,
} from '../../../functions/imports/identifiers.js';

const digits = (length: number) =>
  fc
    .array(fc.integer({ min: 0, max: 9 }), {
      minLength: length,
      maxLength: length,
    })
    .map((ds) => ds.join(''));

/** Every string that differs from `s` in exactly one digit. */
function digitSubstitutions(s: string, positions: number[]): string[] {
  const out: string[] = [];
  for (const i of positions) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) !== s[i]) out.push(s.slice(0, i) + d + s.slice(i + 1));
    }
  }

  return out;
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i);

describe('isValidUpn', () => {
  it('accepts the examples in the data README', () => {
    expect(isValidUpn('H801200001001')).toBe(true);
    expect(isValidUpn('G80120000101A')).toBe(true);
  });

  it('accepts UPNs from the sample rosters', () => {
    expect(isValidUpn('N330432113001')).toBe(true);
    expect(isValidUpn('X352110714001')).toBe(true);
  });

  it('rejects a UPN whose check letter is wrong', () => {
    expect(isValidUpn('A330432115999')).toBe(false);
    expect(upnProblem('A330432115999')).toBe('check');
  });

  it('rejects a temporary UPN ending in a letter outside the alphabet', () => {
    expect(upnProblem('N33043211300S')).toBe('format');
    expect(upnProblem('N33043211300I')).toBe('format');
    expect(upnProblem('N33043211300O')).toBe('format');
  });

  it('rejects a check letter that the alphabet never uses', () => {
    expect(upnProblem('S801200001001')).toBe('format');
  });

  it('rejects UPNs of the wrong length or with letters inside', () => {
    expect(upnProblem('')).toBe('format');
    expect(upnProblem('H80120000100')).toBe('format');
    expect(upnProblem('H8012000010011')).toBe('format');
    expect(upnProblem('H8012A0001001')).toBe('format');
  });

  it('takes the canonical form only, leaving case to normaliseUpn', () => {
    expect(isValidUpn('h801200001001')).toBe(false);
    expect(isValidUpn(normaliseUpn(' h801200001001 '))).toBe(true);
  });

  it('accepts every UPN built with its check letter', () => {
    fc.assert(
      fc.property(digits(12), (rest) => {
        expect(isValidUpn(`${upnCheckLetter(rest)}${rest}`)).toBe(true);
      }),
    );
  });

  it('rejects every single mistyped digit of a valid UPN', () => {
    fc.assert(
      fc.property(digits(12), (rest) => {
        const upn = `${upnCheckLetter(rest)}${rest}`;
        for (const typo of digitSubstitutions(upn, range(1, 13))) {
          expect(upnProblem(typo)).toBe('check');
        }
      }),
    );
  });
});

describe('ulnCheckDigit', () => {
  it('gives 10 minus the weighted remainder', () => {
    expect(ulnCheckDigit('601351924')).toBe(1);
    expect(ulnCheckDigit('100000000')).toBe(0);
  });

  it('gives no digit when the remainder is 0', () => {
    expect(ulnCheckDigit('000000000')).toBeUndefined();
    expect(ulnCheckDigit('100000006')).toBeUndefined();
  });

  it('gives no digit for a stem that is not nine digits', () => {
    expect(ulnCheckDigit('60135192')).toBeUndefined();
    expect(ulnCheckDigit('60135192A')).toBeUndefined();
  });
});

describe('isValidUln', () => {
  it('accepts ULNs from the sample rosters', () => {
    expect(isValidUln('6013519241')).toBe(true);
    expect(isValidUln('3931236918')).toBe(true);
    expect(isValidUln('1000000000')).toBe(true);
  });

  it('rejects a ULN whose check digit is wrong', () => {
    expect(isValidUln('1000000004')).toBe(false);
    expect(ulnProblem('1000000004')).toBe('check');
  });

  it('rejects the no-ULN placeholder, which fails the check', () => {
    expect(NO_ULN).toBe('9999999999');
    expect(isValidUln(NO_ULN)).toBe(false);
  });

  it('rejects a ULN whose stem has no valid check digit', () => {
    expect(isValidUln('1000000060')).toBe(false);
    expect(isValidUln('0000000000')).toBe(false);
  });

  it('rejects ULNs that are not ten digits', () => {
    expect(ulnProblem('601351924')).toBe('format');
    expect(ulnProblem('60135192411')).toBe('format');
    expect(ulnProblem('6.01E+09')).toBe('format');
    expect(ulnProblem('601351924 ')).toBe('format');
  });

  it('rejects every single mistyped digit of a valid ULN', () => {
    const stems = digits(9).filter((s) => ulnCheckDigit(s) !== undefined);
    fc.assert(
      fc.property(stems, (stem) => {
        const uln = `${stem}${ulnCheckDigit(stem)}`;
        expect(isValidUln(uln)).toBe(true);
        for (const typo of digitSubstitutions(uln, range(0, 10))) {
          expect(isValidUln(typo)).toBe(false);
        }
      }),
    );
  });
});

describe('normaliseUln', () => {
  it('reads an empty cell and the placeholder as no ULN', () => {
    expect(normaliseUln('')).toBeUndefined();
    expect(normaliseUln('  ')).toBeUndefined();
    expect(normaliseUln(' 9999999999 ')).toBeUndefined();
  });

  it('trims a ULN and keeps it otherwise as given', () => {
    expect(normaliseUln(' 6013519241 ')).toBe('6013519241');
    expect(normaliseUln('1000000004')).toBe('1000000004');
  });
});

describe('isValidUci', () => {
  it('accepts the example in the data README', () => {
    expect(isValidUci('681990012058G')).toBe(true);
    expect(uciCheckLetter('681990012058')).toBe('G');
  });

  it('accepts UCIs from the sample files, other centres included', () => {
    expect(isValidUci('471130220001D')).toBe(true);
    expect(isValidUci('385210220001V')).toBe(true);
  });

  it('rejects a UCI whose check letter is wrong', () => {
    expect(uciProblem('681990012058H')).toBe('check');
  });

  it('rejects a UCI ending in a letter outside its alphabet', () => {
    expect(uciProblem('681990012058I')).toBe('format');
    expect(uciProblem('6819900120581')).toBe('format');
  });

  it('rejects UCIs of the wrong length or with letters inside', () => {
    expect(uciProblem('68199001205G')).toBe('format');
    expect(uciProblem('6819900120588G')).toBe('format');
    expect(uciProblem('68199A012058G')).toBe('format');
  });

  it('takes the canonical form only, leaving case to normaliseUci', () => {
    expect(isValidUci('681990012058g')).toBe(false);
    expect(isValidUci(normaliseUci(' 681990012058g '))).toBe(true);
  });

  it('rejects every single mistyped digit of a valid UCI', () => {
    fc.assert(
      fc.property(digits(12), (stem) => {
        const uci = `${stem}${uciCheckLetter(stem)}`;
        expect(isValidUci(uci)).toBe(true);
        for (const typo of digitSubstitutions(uci, range(0, 12))) {
          expect(uciProblem(typo)).toBe('check');
        }
      }),
    );
  });
});

describe('normaliseName', () => {
  it('trims surrounding space, including no-break space', () => {
    expect(normaliseName('  Nowak\u00a0')).toBe('Nowak');
  });

  it('composes a decomposed accent so both spellings compare equal', () => {
    const decomposed = 'Anai\u0308s';
    expect(normaliseName(decomposed)).toBe('Ana\u00efs');
  });

  it('keeps case, inner spaces, apostrophes and hyphens as given', () => {
    expect(normaliseName("van der O'Brien-SMITH")).toBe(
      "van der O'Brien-SMITH",
    );
    expect(normaliseName('Mary  Ann')).toBe('Mary  Ann');
  });
});

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseEmail(' Head@Oakfield.Example.ORG ')).toBe(
      'head@oakfield.example.org',
    );
  });
});

describe('isValidEmail', () => {
  it('accepts ordinary school addresses', () => {
    expect(isValidEmail('tutor.11a@oakfield.example.org')).toBe(true);
    expect(isValidEmail("o'brien+exams@school.sch.uk")).toBe(true);
  });

  it('rejects cells that cannot be an address', () => {
    for (const bad of [
      '',
      'head',
      'head@',
      '@oakfield.example.org',
      'head@oakfield',
      'head@@oakfield.example.org',
      'head @oakfield.example.org',
      'head@oakfield..org',
      'head@oakfield.org.',
    ]) {
      expect(isValidEmail(bad), bad).toBe(false);
    }
  });

  it('rejects an address longer than SMTP allows', () => {
    const local = 'a'.repeat(64);
    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.uk`;
    expect(isValidEmail(`${local}@${domain}`)).toBe(false);
  });
});

describe('parseDate', () => {
  it('reads DD/MM/YYYY as a calendar date', () => {
    expect(parseDate('30/10/2009')).toEqual({ ok: true, date: '2009-10-30' });
  });

  it('reads a day and month written with one digit', () => {
    expect(parseDate('6/6/2010')).toEqual({ ok: true, date: '2010-06-06' });
  });

  it('reads YYYY-MM-DD as given', () => {
    expect(parseDate('2009-10-30')).toEqual({ ok: true, date: '2009-10-30' });
  });

  it('ignores surrounding space', () => {
    expect(parseDate(' 01/02/2010 ')).toEqual({ ok: true, date: '2010-02-01' });
  });

  it('reports a bare number as a date written as a number', () => {
    expect(parseDate('40123')).toEqual({ ok: false, code: 'DATE_AS_NUMBER' });
    expect(parseDate('40123.5')).toEqual({
      ok: false,
      code: 'DATE_AS_NUMBER',
    });
  });

  it('rejects days that no month has', () => {
    for (const bad of [
      '31/02/2010',
      '2010-02-31',
      '31/04/2010',
      '00/01/2010',
    ]) {
      expect(parseDate(bad), bad).toEqual({ ok: false, code: 'INVALID_DATE' });
    }
  });

  it('accepts 29 February only in leap years', () => {
    expect(parseDate('29/02/2008').ok).toBe(true);
    expect(parseDate('29/02/2000').ok).toBe(true);
    expect(parseDate('29/02/2010').ok).toBe(false);
    expect(parseDate('29/02/1900').ok).toBe(false);
  });

  it('rejects month-first, two-digit years, times and other shapes', () => {
    for (const bad of [
      '',
      '10/30/2009',
      '30/10/09',
      '2009-10-30T00:00:00',
      '30/10/2009 00:00',
      '2009-1-3',
      '30.10.2009',
      '30 October 2009',
      '-40123',
    ]) {
      expect(parseDate(bad), bad).toEqual({ ok: false, code: 'INVALID_DATE' });
    }
  });

  it('rejects years outside 1900 to 2099 as typing slips', () => {
    expect(parseDate('01/01/1899').ok).toBe(false);
    expect(parseDate('0210-01-01').ok).toBe(false);
    expect(parseDate('01/01/2100').ok).toBe(false);
  });

  it('reads every calendar date in both spellings', () => {
    const dates = fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(dates, (d) => {
        const iso = d.toISOString().slice(0, 10);
        const [y, m, day] = iso.split('-');
        expect(parseDate(iso)).toEqual({ ok: true, date: iso });
        expect(parseDate(`${day}/${m}/${y}`)).toEqual({ ok: true, date: iso });
      }),
    );
  });
});

describe('hasUnsafeText', () => {
  it('finds C0 and C1 controls and bidi overrides and isolates', () => {
    const unsafe = [
      ...Array.from({ length: 0x20 }, (_, i) => i),
      ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
      0x202a,
      0x202b,
      0x202c,
      0x202d,
      0x202e,
      0x2066,
      0x2067,
      0x2068,
      0x2069,
    ];

    for (const code of unsafe) {
      expect(hasUnsafeText(`a${String.fromCharCode(code)}b`)).toBe(true);
    }
  });

  it('lets names in any script through, with their marks', () => {
    for (const name of ['Zoë', 'O’Brien', 'محمد', '李小龍', 'Nguyễn', 'Ōno']) {
      expect(hasUnsafeText(name)).toBe(false);
    }
  });

  it('agrees with SAFE_TEXT on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(SAFE_TEXT.test(text)).toBe(!hasUnsafeText(text));
      }),
    );
  });
});
