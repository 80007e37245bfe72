import { decodeTime, isValid } from 'ulidx';
import { monotonicUlidFactory } from '../libs/event-bus/src/events/event-id';

describe('monotonicUlidFactory', () => {
  it('ids are valid ULIDs of the clock time, strictly increasing within a millisecond, across carries', () => {
    const next = monotonicUlidFactory(() => 1_795_000_000_000);
    const ids = Array.from({ length: 5_000 }, () => next()); // 5,000 increments carry past the last digit often
    for (const [i, id] of ids.entries()) {
      expect(isValid(id)).toBe(true);
      expect(decodeTime(id)).toBe(1_795_000_000_000);
      if (i > 0) expect(id > ids[i - 1]!).toBe(true);
    }
    expect(new Set(ids.map((id) => id.slice(0, 25))).size).toBeGreaterThan(100);
  });

  it('ids keep increasing when the clock steps back, and follow it when it moves on', () => {
    let time = 1_795_000_000_000;
    const next = monotonicUlidFactory(() => time);
    const first = next();
    time -= 5_000;
    const second = next();
    time += 10_000;
    const third = next();
    expect(second > first).toBe(true);
    expect(decodeTime(second)).toBe(1_795_000_000_000);
    expect(third > second).toBe(true);
    expect(decodeTime(third)).toBe(1_795_000_005_000);
  });
});
