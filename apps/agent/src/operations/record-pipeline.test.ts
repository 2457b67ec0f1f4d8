import { prefetch } from './record-pipeline.js';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

describe('prefetch', () => {
  it('keeps the order, and asks for the next item before the current one is consumed', async () => {
    const asked: number[] = [];
    async function* numbers() {
      for (let i = 1; i <= 4; i += 1) {
        asked.push(i);
        yield i;
      }
    }
    const seen: Array<[number, number[]]> = [];
    for await (const value of prefetch(numbers(), 1)) {
      await new Promise((resolve) => setTimeout(resolve, 5)); // the consumer "waits on I/O"
      seen.push([value, [...asked]]);
    }
    expect(seen.map(([value]) => value)).toEqual([1, 2, 3, 4]);
    // While item 1 was being consumed, item 2 had already been produced.
    expect(seen[0]![1]).toContain(2);
  });

  it('raises a source error when its turn comes, after the items before it', async () => {
    async function* failing() {
      yield 'a';
      throw new Error('source broke');
    }
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const value of prefetch(failing(), 2)) seen.push(value);
      })(),
    ).rejects.toThrow('source broke');
    expect(seen).toEqual(['a']);
  });

  it('stops the source when the consumer stops early', async () => {
    let finished = false;
    async function* endless() {
      try {
        for (let i = 0; ; i += 1) yield i;
      } finally {
        finished = true;
      }
    }
    for await (const value of prefetch(endless(), 1)) if (value === 2) break;
    expect(finished).toBe(true);
    expect(await collect(prefetch((async function* () {})(), 3))).toEqual([]);
  });
});
