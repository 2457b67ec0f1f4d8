import { createRedactor } from '@weft/crypto';
import { capturedLogger } from '../../test/support/fixtures.js';
import type { OperationLogMessage } from '../runs/work-source.js';
import {
  MAX_RUN_LOG_BYTES,
  MAX_RUN_LOG_MESSAGES,
  RunOperationLog,
  maskCutSecret,
} from './run-operation-log.js';

const SECRET = 's3cr3t-Passw0rd-value';
const AT = new Date('2026-03-01T10:00:00.000Z');

function collector(
  options: {
    flushIntervalMs?: number;
    send?: (batch: readonly OperationLogMessage[]) => Promise<void>;
  } = {},
) {
  const batches: OperationLogMessage[][] = [];
  const captured = capturedLogger();
  const log = new RunOperationLog({
    send:
      options.send ??
      (async (batch) => {
        batches.push([...batch]);
      }),
    redactor: createRedactor({ secretValues: [SECRET] }),
    secretValues: [SECRET],
    logger: captured.logger,
    flushIntervalMs: options.flushIntervalMs ?? 60_000,
    now: () => AT,
  });
  const sent = () => batches.flat();
  return { log, batches, sent, ...captured };
}

describe('RunOperationLog', () => {
  it('sends each line masked, stamped and tagged; the mapping sink writes transformation lines', async () => {
    const { log, sent } = collector();
    log.sink(`connecting with ${SECRET}`);
    log.write('password=letmein123 and Bearer abcdefghijklmnop', 'warn', 'target');
    log.write('plain');
    await log.close();
    expect(sent()).toEqual([
      {
        at: '2026-03-01T10:00:00.000Z',
        level: 'info',
        step: 'transformation',
        text: 'connecting with [REDACTED]',
      },
      {
        at: '2026-03-01T10:00:00.000Z',
        level: 'warn',
        step: 'target',
        text: 'password=[REDACTED] and Bearer [REDACTED]',
      },
      { at: '2026-03-01T10:00:00.000Z', level: 'info', text: 'plain' },
    ]);
  });

  it('masks a secret a cut message ends halfway through, and keeps lines at 1,000 characters', async () => {
    const { log, sent } = collector();
    // What the transform hands over after cutting at 1,000: the secret's first 9 characters last.
    const cutMidSecret = `${'a'.repeat(991)}${SECRET.slice(0, 9)}`;
    log.sink(cutMidSecret);
    log.sink(`${SECRET.repeat(60)}`.slice(0, 1000));
    await log.close();
    const [first, second] = sent();
    expect(first?.text).toBe(`${'a'.repeat(990)}[REDACTED]`);
    expect(second?.text).not.toContain(SECRET.slice(0, 6));
    expect(second?.text.length).toBeLessThanOrEqual(1000);
    expect(maskCutSecret('short text ending in s3cr3t', [SECRET])).toBe(
      'short text ending in s3cr3t',
    );
  });

  it('keeps at most 200 lines a run: then one truncation line, and the agent’s step lines still fit', async () => {
    const { log, sent } = collector();
    for (let index = 0; index < 300; index += 1) log.sink(`line ${index}`);
    log.note('source memory: read 300 records', 'info', 'source');
    log.note('target memory: wrote 300 records', 'info', 'target');
    log.note('2 records failed (see the failed-records file on the agent)', 'warn', 'operation');
    await log.close();
    const lines = sent();
    expect(lines).toHaveLength(MAX_RUN_LOG_MESSAGES);
    expect(lines[195]?.text).toBe('line 195');
    expect(lines[196]).toMatchObject({
      level: 'warn',
      step: 'operation',
      text: expect.stringContaining('operation log truncated'),
    });
    expect(lines.slice(197).map((line) => line.step)).toEqual(['source', 'target', 'operation']);
  });

  it('keeps at most 64 KiB a run', async () => {
    const { log, sent } = collector();
    for (let index = 0; index < 100; index += 1) log.sink('x'.repeat(1000));
    log.note('source memory: read 100 records', 'info', 'source');
    await log.close();
    const lines = sent();
    const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line.text), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_RUN_LOG_BYTES);
    expect(lines.filter((line) => line.text.startsWith('operation log truncated'))).toHaveLength(1);
    expect(lines.at(-1)?.step).toBe('source');
    expect(lines.length).toBeLessThan(70);
  });

  it('sends as soon as 50 lines wait, in calls of ≤ 50 lines and ≤ 60 KiB, in order', async () => {
    const { log, batches, sent } = collector();
    for (let index = 0; index < 49; index += 1) log.sink(`line ${index}`);
    await Promise.resolve();
    expect(batches).toHaveLength(0);
    log.sink('line 49');
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches.map((batch) => batch.length)).toEqual([50]);
    // Control characters take six bytes each as JSON: 10 such lines already make 60 KB.
    for (let index = 0; index < 30; index += 1) log.sink(`${index}:${'\u0001'.repeat(990)}`);
    await log.close();
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(50);
      expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(60 * 1024);
    }
    expect(sent().map((line) => line.text.split(':')[0])).toEqual([
      ...Array.from({ length: 50 }, (_, index) => `line ${index}`),
      ...Array.from({ length: 30 }, (_, index) => String(index)),
    ]);
  });

  it('sends on its timer, one call at a time', async () => {
    let inFlight = 0;
    let overlapped = false;
    const batches: OperationLogMessage[][] = [];
    const { log } = collector({
      flushIntervalMs: 20,
      send: async (batch) => {
        inFlight += 1;
        overlapped ||= inFlight > 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
        batches.push([...batch]);
        inFlight -= 1;
      },
    });
    log.sink('first');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(batches.flat().map((line) => line.text)).toEqual(['first']); // before close
    log.sink('second');
    log.flush();
    log.sink('third');
    await log.close();
    expect(batches.flat().map((line) => line.text)).toEqual(['first', 'second', 'third']);
    expect(overlapped).toBe(false);
  });

  it('loses a batch the gateway refuses, says so on the agent, and never fails the run', async () => {
    const { log, records } = collector({
      send: async () => {
        throw Object.assign(new Error('POST /agent/v1/runs/log answered 400'), {
          code: 'GATEWAY_REFUSED',
        });
      },
    });
    log.sink('lost');
    await expect(log.close()).resolves.toBeUndefined();
    expect(records()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'sending operation log lines failed; they stay on the agent',
        lines: 1,
      }),
    );
    log.sink('after close');
  });
});
