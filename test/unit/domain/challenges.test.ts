import { describe, expect, it } from 'vitest';
import {
  challengedKeys,
  challengeOf,
  markChallenged,
} from '../../../functions/domain/challenges.js';

const maths = { qan: '601/8411/9', subject: 'Mathematics', grade: '5' };
const english = { qan: '601/4292/7', subject: 'English', grade: '6' };

describe('markChallenged', () => {
  it('marks the qualification an unresolved report names', () => {
    const challenges = [challengeOf('report-1', maths) ?? ''];

    const marked = markChallenged([maths, english], challenges);

    expect(marked).toEqual([{ ...maths, underDataChallenge: true }, english]);
  });

  it('marks a qualification reported in other letter case and spacing', () => {
    const typed = { qan: '601 8411 9', subject: ' mathematics\u00a0' };
    const challenges = [challengeOf('report-1', typed) ?? ''];

    const marked = markChallenged([maths, english], challenges);

    expect(marked).toEqual([{ ...maths, underDataChallenge: true }, english]);
  });

  it('marks nothing for a subject of another QAN', () => {
    const other = { qan: maths.qan, subject: 'Further Mathematics' };
    const challenges = [challengeOf('report-1', other) ?? ''];

    expect(markChallenged([maths], challenges)).toEqual([maths]);
  });

  it('marks nothing once the challenge set is empty', () => {
    expect(markChallenged([maths, english], undefined)).toEqual([
      maths,
      english,
    ]);
  });

  it('keeps the mark while a second report on it is unresolved', () => {
    const both = [
      challengeOf('report-1', maths) ?? '',
      challengeOf('report-2', maths) ?? '',
    ];
    const one = both.slice(1);

    expect(challengedKeys(both)).toEqual(challengedKeys(one));
    expect(markChallenged([maths], one)[0]?.underDataChallenge).toBe(true);
  });

  it('names no qualification for a report about personal details', () => {
    expect(challengeOf('report-3')).toBeUndefined();
  });
});
