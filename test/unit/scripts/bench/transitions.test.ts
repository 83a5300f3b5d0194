import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../../../scripts/bench/template.js';
import { offerOutcomes, paths } from '../../../../scripts/bench/transitions.js';

const expiry: StateMachineDefinition = {
  StartAt: 'Wait',
  States: {
    Wait: { Type: 'Wait', Next: 'Expire' },
    Expire: {
      Type: 'Task',
      End: true,
      Catch: [{ ErrorEquals: ['Failed'], Next: 'Settled' }],
    },
    Settled: { Type: 'Succeed' },
  },
};

describe('paths', () => {
  it('counts one transition for each state entered on each path', () => {
    const found = paths(expiry).map((p) => [p.states, p.transitions]);

    expect(found).toEqual([
      [['Wait', 'Expire'], 2],
      [['Wait', 'Expire', 'Settled'], 3],
    ]);
  });

  it('follows every choice and the default of a Choice state', () => {
    const definition: StateMachineDefinition = {
      StartAt: 'Which',
      States: {
        Which: {
          Type: 'Choice',
          Choices: [{ Next: 'A' }, { Next: 'B' }],
          Default: 'C',
        },
        A: { Type: 'Pass', Next: 'C' },
        B: { Type: 'Fail' },
        C: { Type: 'Succeed' },
      },
    };

    expect(paths(definition).map((p) => p.transitions)).toEqual([3, 2, 2]);
  });

  it('enters a state once a path, so a loop cannot go on for ever', () => {
    const definition: StateMachineDefinition = {
      StartAt: 'Again',
      States: {
        Again: {
          Type: 'Choice',
          Choices: [{ Next: 'Again' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };

    expect(paths(definition).map((p) => p.transitions)).toEqual([2]);
  });

  it('refuses a definition that names a state it does not have', () => {
    const broken: StateMachineDefinition = {
      StartAt: 'Missing',
      States: {},
    };

    expect(() => paths(broken)).toThrow(/no state "Missing"/);
  });
});

describe('offerOutcomes', () => {
  it('takes the caught path for a redeemed offer, the other for expiry', () => {
    expect(offerOutcomes(expiry)).toEqual({ redeemed: 3, expired: 2 });
  });
});
