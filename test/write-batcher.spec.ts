import { WriteBatcher } from '../libs/event-bus/src/transport/write-batcher';

describe('WriteBatcher', () => {
  it('.write() - writes of one turn go out in groups of at most maxItems, never splitting a write', async () => {
    const flushes: number[][] = [];
    const batcher = new WriteBatcher<number>(
      async (items) => {
        flushes.push([...items]);
        return items.map((item) => (item === 13 ? new Error('thirteen') : null));
      },
      { maxItems: 4 },
    );
    const writes = [[1, 2, 3], [4], [5, 6], [7, 8, 9, 10, 11], [12, 13]].map((items) => batcher.write(items));
    const outcomes = await Promise.allSettled(writes);
    expect(flushes).toEqual([
      [1, 2, 3, 4],
      [5, 6],
      [7, 8, 9, 10, 11],
      [12, 13],
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
  });
});
