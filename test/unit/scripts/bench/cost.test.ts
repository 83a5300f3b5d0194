import { describe, expect, it } from 'vitest';
import {
  assumptions,
  type CostInputs,
  costPer1000,
  operationsPerStudent,
  total,
} from '../../../../scripts/bench/cost.js';
import type { OperationWork } from '../../../../scripts/bench/dynamodb-work.js';
import { prices } from '../../../../scripts/bench/prices.js';

const nothing: OperationWork = {
  requests: 1,
  roundTrips: 0,
  readUnits: 0,
  writeUnits: 0,
  handlerMs: 0,
  logBytes: 0,
};

function inputs(overrides: Partial<OperationWork> = {}): CostInputs {
  const perRequest = Object.fromEntries(
    Object.keys(operationsPerStudent(assumptions)).map((op) => [
      op,
      { ...nothing, ...overrides },
    ]),
  );
  return {
    perRequest,
    accessLogBytes: 0,
    rosterRow: nothing,
    resultRow: nothing,
    transitions: { redeemed: 3, expired: 2 },
    memoryMB: 1024,
  };
}

describe('costPer1000', () => {
  it('prices 3.4 transitions a student for 1.2 offers, one redeemed', () => {
    const cost = costPer1000(inputs());

    // 1,000 × (3 + 0.2 × 2) transitions at 0.025 USD per 1,000.
    expect(cost['Step Functions']).toBeCloseTo(0.085, 10);
  });

  it('counts every request of linking and of each release', () => {
    const requests = Object.values(operationsPerStudent(assumptions)).reduce(
      (a, b) => a + b,
      0,
    );
    const cost = costPer1000(inputs());

    // Vouch and offer 1.2 times; offer, token, nonce, credential; then
    // token, nonce and credential at the one release.
    expect(requests).toBeCloseTo(9.4, 10);
    expect(cost['API Gateway']).toBeCloseTo(
      (1000 * requests * prices.apiGateway.perMillionRequests) / 1e6,
      10,
    );
  });

  it('charges Lambda by the millisecond at the configured memory', () => {
    const at1024 = costPer1000(inputs({ handlerMs: 100 }));
    const at2048 = costPer1000({
      ...inputs({ handlerMs: 100 }),
      memoryMB: 2048,
    });

    expect(at2048['Lambda duration']).toBeCloseTo(
      2 * (at1024['Lambda duration'] ?? 0),
      10,
    );
  });

  it('adds the state machine write of every offer to the measured writes', () => {
    const cost = costPer1000(inputs({ writeUnits: 1 }));
    const writes = 9.4 + assumptions.offersPerStudent;

    expect(cost['DynamoDB writes']).toBeCloseTo(
      (1000 * writes * prices.dynamodb.perMillionWriteUnits) / 1e6,
      10,
    );
  });

  it('refuses to price an operation that was not measured', () => {
    const partial = inputs();
    delete partial.perRequest['POST /nonce'];

    expect(() => costPer1000(partial)).toThrow(/No measurement of POST/);
  });

  it('sums the services into the total', () => {
    const cost = costPer1000(inputs({ handlerMs: 50, writeUnits: 2 }));

    expect(total(cost)).toBeCloseTo(
      Object.values(cost).reduce((a, b) => a + b, 0),
      12,
    );
  });
});
