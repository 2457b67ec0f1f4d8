import { makeHarness, weft, type Harness } from './support/cli-harness.js';
import { ControlPlaneDouble } from './support/control-plane-double.js';
import {
  DEV,
  PROD,
  envPath,
  projectView,
  revisionView,
  serveDirectory,
  useEnvironmentKey,
} from './support/fixtures.js';

let double: ControlPlaneDouble;
let harness: Harness;
const source = projectView(DEV, { latestRevision: 5 });
const target = projectView(PROD, { latestRevision: 8, deployedRevision: 7 });
const changes = [
  { path: 'operations.load-orders', change: 'changed' },
  { path: 'schedules.nightly', change: 'added' },
  { path: 'variables.OLD_HOST', change: 'removed' },
];
const PREVIEW_LINES = [
  'orders-sync revision 5 (dev) → prod (now revision 7):',
  '  ~ operations.load-orders',
  '  + schedules.nightly',
  '  - variables.OLD_HOST',
];

beforeEach(async () => {
  double = await ControlPlaneDouble.start();
  harness = await makeHarness();
  useEnvironmentKey(harness, double);
  serveDirectory(double);
  double
    .on('GET', envPath(DEV, 'projects/by-name/orders-sync'), { status: 200, body: source })
    .on('POST', envPath(PROD, 'promotions/preview'), {
      status: 200,
      body: { changes, sourceRevision: 5, targetRevision: 7 },
    })
    .on('POST', envPath(PROD, 'promotions'), {
      status: 201,
      body: {
        project: target,
        revision: revisionView(8, { source: 'promotion' }),
        created: true,
        changes,
      },
    });
});

function deployment(revision: number) {
  return {
    id: 'd-1',
    projectId: target.id,
    revision,
    deployedBy: { type: 'api_key', id: 'k' },
    deployedAt: '2024-06-01T12:00:00.000Z',
  };
}
afterEach(async () => {
  await double.stop();
  await harness.cleanup();
});

function posted(path: string): unknown[] {
  return double.requests.filter((r) => r.method === 'POST' && r.path === path).map((r) => r.body);
}

describe('weft env promote', () => {
  it('--yes: prints the diff, then promotes', async () => {
    const result = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
      '--yes',
    );

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [...PREVIEW_LINES, 'promoted orders-sync revision 5 to prod as revision 8', ''].join('\n'),
    );
    const body = { sourceEnvironmentId: DEV.id, projectId: source.id };
    expect(posted(envPath(PROD, 'promotions/preview'))).toEqual([body]);
    // The promotion names the revision the diff was shown for.
    expect(posted(envPath(PROD, 'promotions'))).toEqual([{ ...body, revision: 5 }]);
  });

  it('without a terminal and without --yes: the diff, then exit 2 and no promotion', async () => {
    const result = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
      '--revision',
      '4',
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe(`${PREVIEW_LINES.join('\n')}\n`);
    expect(result.stderr).toBe(
      'weft: promotion needs confirmation: run it on a terminal, or give --yes\n',
    );
    expect(posted(envPath(PROD, 'promotions/preview'))).toEqual([
      { sourceEnvironmentId: DEV.id, projectId: source.id, revision: 4 },
    ]);
    expect(posted(envPath(PROD, 'promotions'))).toEqual([]);
  });

  it('on a terminal: asks, and promotes (with --deploy) only on yes', async () => {
    harness.interactive = true;
    harness.answers = ['n'];
    const declined = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
    );
    expect(declined.code).toBe(1);
    expect(declined.stderr).toBe('weft: not promoted (not confirmed)\n');
    expect(harness.prompts).toEqual(['promote orders-sync to prod? [y/N] ']);
    expect(posted(envPath(PROD, 'promotions'))).toEqual([]);

    harness.answers = ['yes'];
    double.on('POST', envPath(PROD, 'promotions'), {
      status: 201,
      // The project view is read before the deployment: only `deployment` tells.
      body: {
        project: target,
        revision: revisionView(8),
        created: true,
        changes,
        deployment: deployment(8),
      },
    });
    const accepted = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
      '--deploy',
    );
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(
      'promoted orders-sync revision 5 to prod as revision 8\ndeployed revision 8 in prod\n',
    );
    expect(posted(envPath(PROD, 'promotions'))).toEqual([
      { sourceEnvironmentId: DEV.id, projectId: source.id, revision: 5, deploy: true },
    ]);
  });

  it('--json: the preview goes to stderr, stdout is one document', async () => {
    const result = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
      '-y',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`${PREVIEW_LINES.join('\n')}\n`);
    expect(JSON.parse(result.stdout)).toMatchObject({
      promoted: true,
      preview: { sourceRevision: 5, targetRevision: 7, changes },
      revision: { revision: 8, source: 'promotion' },
    });
  });

  it('nothing changed: nothing promoted, nothing asked', async () => {
    double.on('POST', envPath(PROD, 'promotions/preview'), {
      status: 200,
      body: { changes: [], sourceRevision: 5, targetRevision: 7 },
    });
    const result = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(
      '  (no changes)\nnothing to promote: prod already has this content\n',
    );
    expect(posted(envPath(PROD, 'promotions'))).toEqual([]);
  });

  it('nothing changed with --deploy: promoted (unchanged) and deployed by the control plane', async () => {
    double
      .on('POST', envPath(PROD, 'promotions/preview'), {
        status: 200,
        body: { changes: [], sourceRevision: 5, targetRevision: 7 },
      })
      .on('POST', envPath(PROD, 'promotions'), {
        status: 200,
        body: {
          project: target,
          revision: revisionView(7),
          created: false,
          changes: [],
          deployment: deployment(7),
        },
      });
    const result = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
      '--deploy',
      '--yes',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'unchanged: prod already has this content (revision 7)\ndeployed revision 7 in prod\n',
    );
    expect(posted(envPath(PROD, 'promotions'))).toEqual([
      { sourceEnvironmentId: DEV.id, projectId: source.id, revision: 5, deploy: true },
    ]);
  });

  it('--deploy the control plane did not confirm: a warning', async () => {
    const result = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
      '-y',
      '--deploy',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'weft: warning: the control plane did not report a deployment of revision 8 in prod\n',
    );
  });

  it('needs Write on the target: the 403 is an auth error (exit 3)', async () => {
    double.on('POST', envPath(PROD, 'promotions/preview'), {
      status: 403,
      body: {
        error: {
          code: 'FORBIDDEN',
          message: 'project.write needs write access on environment prod',
        },
      },
    });
    const result = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      'prod',
      '--yes',
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'weft: previewing the promotion: project.write needs write access on environment prod (FORBIDDEN)\n',
    );
  });

  it('usage errors: missing --to, the same environment twice', async () => {
    expect((await weft(harness, 'env', 'promote', 'orders-sync', '--from', 'dev')).stderr).toBe(
      'weft: give both --from <env> and --to <env>\n',
    );
    const same = await weft(
      harness,
      'env',
      'promote',
      'orders-sync',
      '--from',
      'dev',
      '--to',
      DEV.id,
    );
    expect(same).toMatchObject({
      code: 2,
      stderr: 'weft: --from and --to name the same environment\n',
    });
  });
});
