import { describe, expect, it } from 'vitest';
import {
  atLeast,
  atMost,
  below,
  exactly,
  formatTable,
  percentile,
  row,
} from '../../../../scripts/bench/table.js';

describe('percentile', () => {
  it('takes the nearest rank, whatever the order of the values', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];

    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
  });

  it('is not a number for no values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('row', () => {
  it('works out the ratio to the reference and checks a ratio target', () => {
    const r = row('size', 130, 'KB', 100, atMost(1.3));

    expect(r.ratio).toBe(1.3);
    expect(r.target).toBe('ratio <= 1.3');
    expect(r.met).toBe(true);
  });

  it('misses a ratio target by the smallest amount over it', () => {
    expect(row('size', 131, 'KB', 100, atMost(1.3)).met).toBe(false);
  });

  it('checks a value target without a reference', () => {
    expect(row('p99', 49.9, 'ms', null, below(50)).met).toBe(true);
    expect(row('p99', 50, 'ms', null, below(50)).met).toBe(false);
    expect(row('errors', 0, 'n', null, exactly(0)).met).toBe(true);
  });

  it('fails a ratio target that has no reference to divide by', () => {
    const r = row('rate', 10, '/s', null, atLeast(0.3));

    expect(r.ratio).toBeNull();
    expect(r.met).toBe(false);
  });

  it('leaves met empty for a row that is only reported', () => {
    expect(row('rss', 600, 'MB').met).toBeNull();
  });
});

describe('formatTable', () => {
  it('marks a missed target so that it stands out', () => {
    const text = formatTable([row('rate', 1, '/s', 10, atLeast(0.3))]);

    expect(text).toContain('| NO  |');
    expect(text.split('\n')).toHaveLength(3);
  });
});
