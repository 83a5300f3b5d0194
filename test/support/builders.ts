import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  Centre,
  Offer,
  Staff,
  Student,
} from '../../functions/domain/types.js';
import { fixedClock } from '../../functions/lib/clock.js';
import { type Config, parseConfig } from '../../functions/lib/config.js';
import type { Deps } from '../../functions/lib/deps.js';

/** Small builders: each test says only what matters to it. */

export const testConfig = (overrides: Partial<Config> = {}): Config => ({
  ...parseConfig({
    REGION_NAME: 'test',
    TABLE_NAME: 'records-test',
    ISSUER_URL: 'https://records.test.example.org',
    USER_POOL_ID: 'eu-west-2_test',
    USER_POOL_CLIENT_ID: 'client-test',
    EXPIRY_STATE_MACHINE_ARN:
      'arn:aws:states:eu-west-2:000000000000:stateMachine:expiry',
    SIGNING_KEY_FILE: 'unused.jwk',
  }),
  ...overrides,
});

export const testDeps = (overrides: Partial<Deps> = {}): Deps => ({
  config: testConfig(),
  db: {} as DynamoDBDocumentClient,
  clock: fixedClock('2026-03-10T09:00:00.000Z'),
  cognito: {} as Deps['cognito'],
  sfn: {} as Deps['sfn'],
  verifier: {
    verify: async () => {
      throw new Error('no tokens in this test');
    },
  },
  mailer: { send: async () => undefined },
  ...overrides,
});

export const aCentre = (overrides: Partial<Centre> = {}): Centre => ({
  urn: '141234',
  centreNumber: '47113',
  name: 'Oakfield Academy',
  status: 'active',
  policy: { examsOfficerMayVouch: false, offerLifetimeMinutes: 10 },
  onRoll: 220,
  createdAt: '2026-01-05T09:00:00.000Z',
  updatedAt: '2026-01-05T09:00:00.000Z',
  ...overrides,
});

export const aStaff = (overrides: Partial<Staff> = {}): Staff => ({
  urn: '141234',
  staffId: 'staff-ann',
  email: 'tutor.11a@oakfield.example.org',
  givenName: 'Ann',
  familyName: 'Archer',
  roles: ['form-tutor'],
  dataIssuer: true,
  active: true,
  groupIds: ['group-11a'],
  createdAt: '2026-01-05T09:00:00.000Z',
  updatedAt: '2026-01-05T09:00:00.000Z',
  ...overrides,
});

export const aStudent = (overrides: Partial<Student> = {}): Student => ({
  urn: '141234',
  studentId: 'student-kwame',
  upn: 'N330432113001',
  uln: '6013519241',
  legalSurname: 'Müller',
  legalForename: 'Kwame',
  dateOfBirth: '2009-10-30',
  year: '11',
  form: '11A',
  status: 'on-roll',
  groupIds: ['group-11a'],
  createdAt: '2026-01-05T09:00:00.000Z',
  updatedAt: '2026-01-05T09:00:00.000Z',
  ...overrides,
});

export const anOffer = (overrides: Partial<Offer> = {}): Offer => ({
  offerId: 'offer-0000000000000001',
  urn: '141234',
  studentId: 'student-kwame',
  staffId: 'staff-ann',
  vouchId: 'vouch-1',
  status: 'issued',
  createdAt: '2026-03-10T09:00:00.000Z',
  expiresAt: '2026-03-10T09:10:00.000Z',
  refHash: 'ref',
  codeHash: 'code',
  txCodeHash: 'tx',
  failedTxCodes: 0,
  ...overrides,
});
