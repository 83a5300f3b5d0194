import { describe, expect, it } from 'vitest';
import { parseStudentSearch } from '../../../functions/admin-schemas.js';
import {
  helpdeskOfferView,
  offerFate,
} from '../../../functions/domain/helpdesk.js';
import {
  foldName,
  locatorItem,
} from '../../../functions/domain/student-locator.js';
import { auditSubject, isAudited } from '../../../functions/lib/http.js';
import { routes } from '../../../functions/routes.js';
import { anOffer } from '../../support/builders.js';

const now = new Date('2026-03-10T09:05:00.000Z');

describe('foldName', () => {
  it('makes case, accents and spacing no difference', () => {
    expect(foldName('  MÜLLER ')).toBe(foldName('muller'));
    expect(foldName("O'Brien  Smith")).toBe("o'brien smith");
  });

  it('keeps a hyphenated name apart from its parts', () => {
    expect(foldName('Muller-Smith')).not.toBe(foldName('Muller'));
  });
});

describe('locatorItem', () => {
  it('finds a student by UPN and by folded family name and birth date', () => {
    const item = locatorItem({
      urn: '141234',
      studentId: 's1',
      upn: 'N330432113001',
      legalSurname: 'Müller',
      dateOfBirth: '2009-10-30',
    });

    expect(item).toMatchObject({
      PK: 'STUDENT#s1',
      SK: 'LOCATOR',
      GSI1PK: 'UPN#N330432113001',
      GSI2PK: 'PERSON#2009-10-30#muller',
      urn: '141234',
    });
  });
});

describe('parseStudentSearch', () => {
  it('takes a ULN, a UPN, or a family name with a date of birth', () => {
    expect(parseStudentSearch({ uln: '6013519241' })).toEqual({
      by: 'uln',
      uln: '6013519241',
    });
    expect(parseStudentSearch({ upn: 'n330432113001' })).toEqual({
      by: 'upn',
      upn: 'N330432113001',
    });
    expect(
      parseStudentSearch({ familyName: 'Müller', dateOfBirth: '30/10/2009' }),
    ).toEqual({
      by: 'person',
      familyName: 'Müller',
      dateOfBirth: '2009-10-30',
    });
  });

  it.each([
    [{}],
    [{ uln: '6013519241', upn: 'N330432113001' }],
    [{ familyName: 'Müller' }],
    [{ dateOfBirth: '2009-10-30' }],
    [{ uln: '6013519241', extra: 1 }],
  ])('refuses %o as not one of the three shapes', (body) => {
    expect(() => parseStudentSearch(body)).toThrow(
      expect.objectContaining({ status: 400, code: 'SEARCH_SHAPE' }),
    );
  });

  it('refuses a ULN whose check digit is wrong, without echoing it', () => {
    let error: unknown;
    try {
      parseStudentSearch({ uln: '6013519242' });
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toMatchObject({ code: 'INVALID_FIELD', field: 'uln' });
    expect((error as Error).message).not.toContain('6013519242');
  });

  it('refuses a date of birth that is not a date', () => {
    expect(() =>
      parseStudentSearch({ familyName: 'Müller', dateOfBirth: '31/02/2009' }),
    ).toThrow(expect.objectContaining({ field: 'dateOfBirth' }));
  });
});

describe('offerFate', () => {
  it('tells a live offer from one that expired unscanned or after a scan', () => {
    const live = anOffer({ expiresAt: '2026-03-10T09:10:00.000Z' });
    const past = '2026-03-10T09:01:00.000Z';

    expect(offerFate(live, now)).toBe('live');
    expect(offerFate({ ...live, expiresAt: past }, now)).toBe(
      'expired-unscanned',
    );
    expect(
      offerFate(
        { ...live, status: 'scanned', scannedAt: past, expiresAt: past },
        now,
      ),
    ).toBe('expired-after-scan');
    expect(offerFate({ ...live, status: 'delivered' }, now)).toBe('delivered');
  });
});

describe('helpdeskOfferView', () => {
  it('shows the offer and its fate but none of its hashes', () => {
    const view = helpdeskOfferView(anOffer(), now);

    expect(view).toHaveProperty('fate');
    for (const secret of ['refHash', 'codeHash', 'txCodeHash', 'chainId']) {
      expect(view).not.toHaveProperty(secret);
    }
  });
});

describe('the helpdesk audit', () => {
  it('covers every helpdesk route and the operator admin routes only', () => {
    const audited = routes
      .filter(isAudited)
      .map((r) => `${r.method} ${r.path}`);

    expect(audited.length).toBeGreaterThan(0);
    for (const route of routes) {
      const expected =
        route.access === 'helpdesk' ||
        (route.access === 'operator' && route.path.startsWith('/admin/'));
      expect(isAudited(route), `${route.method} ${route.path}`).toBe(expected);
    }
  });

  it('takes identifiers from the path and nothing that is not one', () => {
    expect(
      auditSubject({ studentId: 's1', offerId: 'o-1', other: 'x' }),
    ).toEqual({ studentId: 's1', offerId: 'o-1' });
    expect(auditSubject({ studentId: 'a b' })).toEqual({});
  });
});
