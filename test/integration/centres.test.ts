import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api.js';
import { useLocalStack } from '../support/local-stack.js';
import {
  newCentre,
  newStaff,
  operatorToken,
  outsider,
  type TestCentre,
} from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

describe('centres', () => {
  let operator: string;
  let centre: TestCentre;

  beforeAll(async () => {
    operator = await operatorToken(stack);
    centre = await newCentre(stack);
  });

  it('onboards a centre for the operator and answers a retry the same', async () => {
    const urn = String(randomInt(100_000, 999_999));
    const body = {
      urn,
      centreNumber: String(randomInt(90_000, 99_999)),
      name: 'St Hild',
    };

    const first = await call('POST', '/centres', {
      token: operator,
      json: body,
    });
    const again = await call('POST', '/centres', {
      token: operator,
      json: body,
    });

    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ ...body, status: 'active' });
    expect(again.status).toBe(200);
    expect(again.body.urn).toBe(urn);
  });

  it('refuses a second centre with the same URN or centre number', async () => {
    const byUrn = await call('POST', '/centres', {
      token: operator,
      json: { urn: centre.urn, centreNumber: '99999', name: 'Other' },
    });
    const byNumber = await call('POST', '/centres', {
      token: operator,
      json: {
        urn: String(randomInt(100_000, 999_999)),
        centreNumber: centre.centreNumber,
        name: 'Other',
      },
    });

    expect(byUrn.status).toBe(409);
    expect(byUrn.body.error).toMatchObject({
      code: 'CENTRE_EXISTS',
      field: 'urn',
    });
    expect(byNumber.status).toBe(409);
    expect(byNumber.body.error.code).toBe('CENTRE_NUMBER_TAKEN');
  });

  it('refuses a malformed URN, centre number or an unknown field with 400', async () => {
    const cases = [
      { urn: '12345', centreNumber: '12345', name: 'x' },
      { urn: '123456', centreNumber: '1234A', name: 'x' },
      { urn: '123456', centreNumber: '12345', name: 'x', extra: true },
      { urn: '123456', centreNumber: '12345' },
    ];
    const codes = [];
    for (const json of cases) {
      const out = await call('POST', '/centres', { token: operator, json });
      expect(out.status).toBe(400);
      codes.push([out.body.error.code, out.body.error.field]);
    }

    expect(codes).toEqual([
      ['INVALID_FIELD', 'urn'],
      ['INVALID_FIELD', 'centreNumber'],
      ['UNKNOWN_FIELD', 'extra'],
      ['MISSING_FIELD', 'name'],
    ]);
  });

  it('lets only the operator onboard or list centres', async () => {
    const create = await call('POST', '/centres', {
      token: centre.admin.token,
      json: { urn: '123456', centreNumber: '12345', name: 'x' },
    });
    const list = await call('GET', '/centres', { token: centre.admin.token });

    expect(create.status).toBe(403);
    expect(create.body.error.code).toBe('OPERATOR_ONLY');
    expect(list.status).toBe(403);
  });

  it("lists the region's centres for the operator, a page at a time", async () => {
    const first = await call('GET', '/centres?limit=1', { token: operator });
    const next = await call(
      'GET',
      `/centres?limit=1&cursor=${first.body.cursor}`,
      { token: operator },
    );

    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(typeof first.body.cursor).toBe('string');
    expect(next.body.items[0].urn).not.toBe(first.body.items[0].urn);
  });

  it("shows a centre to its own staff and to nobody else's", async () => {
    const other = await newCentre(stack);

    const own = await call('GET', `/centres/${centre.urn}`, {
      token: centre.admin.token,
    });
    const foreign = await call('GET', `/centres/${centre.urn}`, {
      token: other.admin.token,
    });
    const missing = await call('GET', '/centres/100000', {
      token: other.admin.token,
    });

    expect(own.status).toBe(200);
    expect(own.body.policy).toEqual({
      examsOfficerMayVouch: false,
      offerLifetimeMinutes: 10,
    });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
  });

  it("answers 401 without a token and with a stranger's token for a centre 404", async () => {
    const none = await call('GET', `/centres/${centre.urn}`);
    const stranger = await call('GET', `/centres/${centre.urn}`, {
      token: await outsider(stack),
    });

    expect(none.status).toBe(401);
    expect(stranger.status).toBe(404);
  });

  it('suspends and reactivates a centre for the operator', async () => {
    const suspended = await call('PATCH', `/centres/${centre.urn}`, {
      token: operator,
      json: { status: 'suspended' },
    });
    const seen = await call('GET', `/centres/${centre.urn}`, {
      token: centre.admin.token,
    });
    const active = await call('PATCH', `/centres/${centre.urn}`, {
      token: operator,
      json: { status: 'active' },
    });
    const missing = await call('PATCH', '/centres/100001', {
      token: operator,
      json: { status: 'active' },
    });

    expect(suspended.body.status).toBe('suspended');
    expect(seen.body.status).toBe('suspended');
    expect(active.body.status).toBe('active');
    expect(missing.status).toBe(404);
  });
});

describe('centre policy', () => {
  it('keeps offer lifetimes between 2 and 30 minutes', async () => {
    const centre = await newCentre(stack);
    const put = (json: unknown) =>
      call('PUT', `/centres/${centre.urn}/policy`, {
        token: centre.admin.token,
        json,
      });

    const good = await put({
      examsOfficerMayVouch: false,
      offerLifetimeMinutes: 30,
    });
    const short = await put({
      examsOfficerMayVouch: false,
      offerLifetimeMinutes: 1,
    });
    const long = await put({
      examsOfficerMayVouch: false,
      offerLifetimeMinutes: 31,
    });
    const fraction = await put({
      examsOfficerMayVouch: false,
      offerLifetimeMinutes: 2.5,
    });

    expect(good.status).toBe(200);
    expect(good.body).toEqual({
      examsOfficerMayVouch: false,
      offerLifetimeMinutes: 30,
    });
    for (const out of [short, long, fraction]) {
      expect(out.status).toBe(400);
      expect(out.body.error.field).toBe('offerLifetimeMinutes');
    }
  });

  it('lets only a centre admin set the policy', async () => {
    const centre = await newCentre(stack);
    const hoy = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['head-of-year'],
    });
    const operator = await operatorToken(stack);
    const body = { examsOfficerMayVouch: false, offerLifetimeMinutes: 10 };

    const byHoy = await call('PUT', `/centres/${centre.urn}/policy`, {
      token: hoy.token,
      json: body,
    });
    const byOperator = await call('PUT', `/centres/${centre.urn}/policy`, {
      token: operator,
      json: body,
    });

    expect(byHoy.status).toBe(403);
    expect(byHoy.body.error.code).toBe('ROLE_REQUIRED');
    expect(byOperator.status).toBe(403);
    expect(byOperator.body.error.code).toBe('NOT_CENTRE_STAFF');
  });

  it('switches the exams officer exception on only at a small centre', async () => {
    const small = await newCentre(stack);
    const body = { examsOfficerMayVouch: true, offerLifetimeMinutes: 10 };

    const out = await call('PUT', `/centres/${small.urn}/policy`, {
      token: small.admin.token,
      json: body,
    });

    expect(out.status).toBe(200);
    expect(out.body.examsOfficerMayVouch).toBe(true);
  });
});
