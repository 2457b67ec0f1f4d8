import { batchesOf, collectBatches, connectorContext } from '../testing/context.js';
import { createMemoryConnector, type MemoryStore } from './memory.js';

describe('example.memory', () => {
  it('upserts by key, reports records without a key, and reads back in batches', async () => {
    const store: MemoryStore = new Map();
    const memory = createMemoryConnector(store);
    const config = memory.validate({ collection: 'people', batchSize: 2 });
    const ctx = connectorContext();
    const records = [
      { id: 1, name: 'Ann' },
      { name: 'no id' },
      { id: 2, name: 'Bo' },
      { id: 1, name: 'Ann B.' },
    ];
    const summary = await memory.write?.(config, batchesOf(records, 3), ctx);
    expect(summary).toEqual({
      written: 3,
      failed: 1,
      failures: [{ index: 1, reason: 'record has no string or number id field' }],
    });
    const batches = await collectBatches(memory.read?.(config, ctx) ?? batchesOf([]));
    expect(batches).toEqual([
      [
        { id: 1, name: 'Ann B.' },
        { id: 2, name: 'Bo' },
      ],
    ]);
    expect(ctx.logs.map((entry) => entry.message)).toEqual(['write finished', 'read finished']);
    ctx.cleanup();
  });

  it('stops when the run is cancelled', async () => {
    const memory = createMemoryConnector(
      new Map([
        [
          'c',
          new Map([
            ['1', { id: 1 }],
            ['2', { id: 2 }],
          ]),
        ],
      ]),
    );
    const ctx = connectorContext();
    ctx.abort();
    await expect(
      collectBatches(
        memory.read?.(memory.validate({ collection: 'c', batchSize: 1 }), ctx) ?? batchesOf([]),
      ),
    ).rejects.toMatchObject({
      code: 'cancelled',
    });
    ctx.cleanup();
  });

  it('validates its configuration', () => {
    const memory = createMemoryConnector();
    expect(() => memory.validate({ collection: '../x' })).toThrow('collection');
    expect(() => memory.validate({ collection: 'ok', batchSize: 0 })).toThrow('batchSize');
    expect(memory.validate({ collection: 'ok' })).toEqual({
      collection: 'ok',
      key: 'id',
      batchSize: 1000,
    });
  });
});
