import { describe, expect, it } from 'vitest';
import { deadlineWords } from '../../../functions/domain/report-notices.js';

describe('deadlineWords', () => {
  it('names the last London day of a wait in winter', () => {
    expect(deadlineWords('2026-12-10T00:00:00.000Z')).toBe(
      'the end of Wednesday 9 December 2026',
    );
  });

  it('names the last London day of a wait in summer time', () => {
    // Midnight in London in June is 23:00 UTC the day before.
    expect(deadlineWords('2026-06-17T23:00:00.000Z')).toBe(
      'the end of Wednesday 17 June 2026',
    );
  });
});
