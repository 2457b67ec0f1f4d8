import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ControlledRunner,
  QueuedWorkSource,
  capturedLogger,
  makeTempDir,
  run,
} from '../../test/support/fixtures.js';
import { WorkDirectory } from '../storage/work-directory.js';
import { RunLoop } from './run-loop.js';
import type { ReleaseReason, RunAssignment, RunTracker } from './work-source.js';

/** A queued source that also hears about run starts, and can refuse them. */
class TrackingWorkSource extends QueuedWorkSource {
  readonly trackers = new Map<string, RunTracker>();
  readonly releaseReasons: ReleaseReason[] = [];
  refuseStart = false;

  async started(run: RunAssignment, tracker: RunTracker): Promise<void> {
    if (this.refuseStart) throw Object.assign(new Error('lease expired'), { code: 'LEASE' });
    this.trackers.set(run.runId, tracker);
  }

  override async release(run: RunAssignment, reason: ReleaseReason = 'shutdown'): Promise<void> {
    this.releaseReasons.push(reason);
    await super.release(run);
  }
}

const NO_RECORDS = { read: 0, written: 0, failed: 0 };

let root: string;
let removeRoot: () => Promise<void>;
let workDirectory: WorkDirectory;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  workDirectory = new WorkDirectory(join(root, 'work'));
  await workDirectory.prepare();
});
afterEach(() => removeRoot());

function loop(maxConcurrentRuns = 4) {
  const workSource = new QueuedWorkSource();
  const runner = new ControlledRunner();
  const { logger, records } = capturedLogger();
  const runLoop = new RunLoop({
    workSource,
    operationRunner: runner,
    workDirectory,
    logger,
    maxConcurrentRuns,
  });
  return { workSource, runner, runLoop, records };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('RunLoop', () => {
  it('runs each run in its own private folder, reports the outcome and deletes the folder', async () => {
    const { workSource, runner, runLoop } = loop();
    runLoop.start();
    workSource.push(run('r1'), run('r2'));
    await runner.waitForStarted(2);

    const folder = runner.started.get('r1')?.context.workDir ?? '';
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    await writeFile(join(folder, 'records.ndjson'), '{"id":1}\n');
    expect(runLoop.inFlightCount).toBe(2);

    runner.finish('r1');
    runner.finish(
      'r2',
      Object.assign(new Error('target rejected the batch'), { code: 'target-rejected' }),
    );
    await until(() => workSource.completed.length === 2);
    expect(workSource.completed).toEqual(
      expect.arrayContaining([
        { run: run('r1'), outcome: { status: 'succeeded', records: NO_RECORDS } },
        {
          run: run('r2'),
          outcome: {
            status: 'failed',
            errorCode: 'target-rejected',
            message: 'target rejected the batch',
            records: NO_RECORDS,
          },
        },
      ]),
    );
    await until(() => runLoop.inFlightCount === 0);
    expect(await readdir(workDirectory.path)).toEqual([]);
    expect(await runLoop.drain(1000)).toEqual({ finishedRunIds: [], releasedRunIds: [] });
  });

  it('never runs more than maxConcurrentRuns at once', async () => {
    const { workSource, runner, runLoop } = loop(2);
    runLoop.start();
    workSource.push(run('a'), run('b'), run('c'));
    await runner.waitForStarted(2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Both start concurrently (each prepares its work folder first): order is not fixed, the count is.
    expect([...runner.started.keys()].sort()).toEqual(['a', 'b']);

    runner.finish('a');
    await runner.waitForStarted(3);
    expect(runLoop.inFlightCount).toBe(2);
    runner.finish('b');
    runner.finish('c');
    await until(() => runLoop.inFlightCount === 0);
  });

  it('on drain lets runs finish within the grace period, then aborts, releases and cleans up the rest', async () => {
    const { workSource, runner, runLoop, records } = loop();
    runLoop.start();
    workSource.push(run('quick'), run('stuck'));
    await runner.waitForStarted(2);
    const stuck = runner.started.get('stuck');

    const draining = runLoop.drain(200);
    expect(runLoop.draining).toBe(true);
    setTimeout(() => runner.finish('quick'), 20);
    const report = await draining;

    expect(report).toEqual({ finishedRunIds: ['quick'], releasedRunIds: ['stuck'] });
    expect(workSource.completed).toEqual([
      { run: run('quick'), outcome: { status: 'succeeded', records: NO_RECORDS } },
    ]);
    expect(workSource.released).toEqual([run('stuck')]);
    expect(stuck?.context.signal.aborted).toBe(true);
    expect(await readdir(workDirectory.path)).toEqual([]);
    expect(records().some((record) => record['msg'] === 'run handed back to the agent group')).toBe(
      true,
    );
  });

  it('hands back a run that arrives after stopping instead of starting it', async () => {
    const { workSource, runner, runLoop } = loop();
    let handOut: ((value: ReturnType<typeof run> | null) => void) | undefined;
    workSource.next = () => new Promise((resolve) => (handOut = resolve)); // a long poll that ignores the abort
    runLoop.start();
    await until(() => handOut !== undefined);

    const draining = runLoop.drain(1000);
    handOut?.(run('late'));
    expect(await draining).toEqual({ finishedRunIds: [], releasedRunIds: ['late'] });
    expect(workSource.released).toEqual([run('late')]);
    expect(runner.started.size).toBe(0);
  });

  it('tells the source a run starts, relays its counts, and completes a cancelled run as cancelled', async () => {
    const workSource = new TrackingWorkSource();
    const runner = new ControlledRunner();
    const runLoop = new RunLoop({
      workSource,
      operationRunner: runner,
      workDirectory,
      logger: capturedLogger().logger,
      maxConcurrentRuns: 2,
    });
    runLoop.start();
    workSource.push(run('c1'));
    await runner.waitForStarted(1);
    const started = runner.started.get('c1');
    if (started === undefined) throw new Error('c1 did not start');
    started.context.records.read = 7;
    const tracker = workSource.trackers.get('c1');
    expect(tracker?.records()).toEqual({ read: 7, written: 0, failed: 0 });
    tracker?.cancel();
    expect(started.context.signal.aborted).toBe(true);
    await until(() => workSource.completed.length === 1);
    expect(workSource.completed[0]?.outcome).toEqual({
      status: 'cancelled',
      records: { read: 7, written: 0, failed: 0 },
    });
    await runLoop.drain(100);
  });

  it('does not execute a run whose start the source refuses, and hands it back', async () => {
    const workSource = new TrackingWorkSource();
    workSource.refuseStart = true;
    const runner = new ControlledRunner();
    const runLoop = new RunLoop({
      workSource,
      operationRunner: runner,
      workDirectory,
      logger: capturedLogger().logger,
      maxConcurrentRuns: 2,
    });
    runLoop.start();
    workSource.push(run('x1'));
    await until(() => workSource.released.length === 1);
    expect(workSource.releaseReasons).toEqual(['not-started']);
    expect(runner.started.size).toBe(0);
    expect(workSource.completed).toEqual([]);
    await until(() => runLoop.inFlightCount === 0);
    expect(await readdir(workDirectory.path)).toEqual([]);
    await runLoop.drain(100);
  });
});
