import { describe, expect, it } from 'vitest';
import { capacityUnits } from '../../../../scripts/bench/counting.js';
import {
  clientsForActions,
  floorSource,
} from '../../../../scripts/bench/sdk-clients.js';

describe('clientsForActions', () => {
  it('reads one client per service the function may call', () => {
    const actions = [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'states:StartExecution',
      'kms:Sign',
    ];

    expect(clientsForActions(actions)).toEqual(['dynamodb', 'sfn', 'kms']);
  });

  it('leaves out what the runtime and the services do for the function', () => {
    const actions = [
      'dynamodb:PutItem',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
      'logs:PutLogEvents',
      'xray:PutTraceSegments',
    ];

    expect(clientsForActions(actions)).toEqual(['dynamodb']);
  });

  it('counts log queries, metric reads and e-mail as clients of their own', () => {
    const actions = [
      'logs:PutLogEvents',
      'logs:StartQuery',
      'cloudwatch:GetMetricData',
      'ses:SendEmail',
    ];

    expect(clientsForActions(actions)).toEqual(['ses', 'logs', 'cloudwatch']);
  });

  it('refuses a grant it has no client for, so no floor is wrong quietly', () => {
    expect(() => clientsForActions(['sqs:SendMessage'])).toThrow(/sqs/);
  });
});

describe('floorSource', () => {
  it('creates exactly the clients given and nothing else', () => {
    const source = floorSource(['dynamodb']);

    expect(source).toContain('DynamoDBDocumentClient.from');
    expect(source).not.toContain('SFNClient');
    expect(source).toContain('export const handler');
  });
});

describe('capacityUnits', () => {
  it('adds the units of a batch answer, by read or write', () => {
    const list = [{ CapacityUnits: 2 }, { CapacityUnits: 1.5 }];

    expect(capacityUnits(list, true)).toEqual({ read: 3.5, write: 0 });
    expect(capacityUnits(list, false)).toEqual({ read: 0, write: 3.5 });
  });

  it('prefers the read and write split when the answer gives it', () => {
    const split = { ReadCapacityUnits: 1, WriteCapacityUnits: 4 };

    expect(capacityUnits(split, false)).toEqual({ read: 1, write: 4 });
  });
});
