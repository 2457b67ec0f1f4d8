import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeHarness, weft, type Harness } from './support/cli-harness.js';
import { ControlPlaneDouble } from './support/control-plane-double.js';
import {
  DEV,
  envPath,
  projectView,
  revisionView,
  serveDirectory,
  useEnvironmentKey,
} from './support/fixtures.js';

let double: ControlPlaneDouble;
let harness: Harness;
let folder: string;

beforeEach(async () => {
  double = await ControlPlaneDouble.start();
  harness = await makeHarness();
  useEnvironmentKey(harness, double);
  serveDirectory(double);
  folder = join(harness.home, 'orders-sync');
  await mkdir(join(folder, 'operations'), { recursive: true });
  await mkdir(join(folder, '.git'));
  await writeFile(join(folder, 'weft-project.yaml'), 'version: 1\nname: orders-sync\n');
  await writeFile(join(folder, 'operations', 'load-orders.yaml'), 'source: {}\n');
  await writeFile(join(folder, '.git', 'HEAD'), 'ref: refs/heads/main\n');
});
afterEach(async () => {
  await double.stop();
  await harness.cleanup();
});

function pushes() {
  return double.requests.filter((r) => r.method === 'POST');
}

describe('weft project push', () => {
  it('posts the parsed folder (hidden entries skipped) and prints the new revision', async () => {
    const project = projectView(DEV, { latestRevision: 4 });
    double.on('POST', envPath(DEV, 'projects'), {
      status: 201,
      body: { project, revision: revisionView(4), created: true },
    });

    const result = await weft(harness, 'project', 'push', 'orders-sync', '--env', 'dev');

    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'created revision 4 of orders-sync in dev\n',
    });
    expect(pushes()).toHaveLength(1);
    expect(pushes()[0]!.body).toEqual({
      document: {
        version: 1,
        name: 'orders-sync',
        files: ['operations/load-orders.yaml', 'weft-project.yaml'],
      },
    });
    expect(pushes()[0]!.headers['content-type']).toBe('application/json');
  });

  it('the same document again: unchanged (revision N)', async () => {
    double.on('POST', envPath(DEV, 'projects'), {
      status: 200,
      body: { project: projectView(DEV), revision: revisionView(3), created: false },
    });
    const result = await weft(harness, 'project', 'push', folder, '--env', DEV.id);
    expect(result).toMatchObject({ code: 0, stdout: 'unchanged (revision 3)\n' });
    // An environment id needs no lookup.
    expect(double.calls()).toEqual([`POST ${envPath(DEV, 'projects')}`]);
  });

  it('--deploy deploys the pushed revision; --json prints one document', async () => {
    const project = projectView(DEV, { latestRevision: 4, deployedRevision: 3 });
    const deployment = {
      id: 'd-1',
      revision: 4,
      deployedAt: '2024-06-01T12:00:00.000Z',
      deployedBy: 'k',
    };
    double
      .on('POST', envPath(DEV, 'projects'), {
        status: 201,
        body: { project, revision: revisionView(4), created: true },
      })
      .on('POST', envPath(DEV, `projects/${project.id}/deployments`), {
        status: 201,
        body: { deployment },
      });

    const result = await weft(
      harness,
      'project',
      'push',
      'orders-sync',
      '--deploy',
      '--env',
      'dev',
      '--json',
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      created: true,
      revision: { revision: 4 },
      deployment,
    });
    expect(pushes()[1]!.body).toEqual({ revision: 4 });
  });

  it('PROJECT_INVALID from the API: every problem as path: message, exit 5', async () => {
    const problems = [
      {
        path: 'operations.load-orders.source.connection',
        code: 'unknown_reference',
        message: 'no connection named s3',
      },
      {
        path: 'variables.PG_HOST',
        code: 'unknown_connector',
        message: 'connector "pg" is not installed',
      },
    ];
    // The server-kit error filter's shape, problems under details …
    double.on(
      'POST',
      envPath(DEV, 'projects'),
      {
        status: 400,
        body: {
          error: {
            code: 'PROJECT_INVALID',
            message: 'the project has 2 problems',
            details: { problems },
          },
        },
      },
      // … and the design's flat shape.
      {
        status: 400,
        body: { code: 'PROJECT_INVALID', message: 'the project has 2 problems', problems },
      },
    );
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await weft(harness, 'project', 'push', 'orders-sync', '--env', 'dev');
      expect(result.code).toBe(5);
      expect(result.stderr).toBe(
        [
          'weft: pushing project orders-sync: the project has 2 problems (PROJECT_INVALID)',
          'operations.load-orders.source.connection: no connection named s3',
          'variables.PG_HOST: connector "pg" is not installed',
          '',
        ].join('\n'),
      );
    }
  });

  it("the parser's problems are reported before anything is sent (exit 5, JSON error)", async () => {
    await writeFile(join(folder, 'notes.bad'), 'x');
    const result = await weft(harness, 'project', 'push', 'orders-sync', '--env', 'dev', '--json');
    expect(result.code).toBe(5);
    expect(result.stderr).toBe(
      'weft: orders-sync: the project has 1 problem\nnotes.bad: is not part of a project folder\n',
    );
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'PROJECT_INVALID',
        message: 'orders-sync: the project has 1 problem',
        problems: [
          { path: 'notes.bad', code: 'unknown_file', message: 'is not part of a project folder' },
        ],
      },
    });
    expect(double.requests).toHaveLength(0);
  });

  it('a symbolic link in the folder is refused, not followed', async () => {
    await writeFile(join(harness.home, 'secret.txt'), 'not for upload');
    await symlink(join(harness.home, 'secret.txt'), join(folder, 'operations', 'extra.yaml'));
    const result = await weft(harness, 'project', 'push', 'orders-sync', '--env', 'dev');
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('operations/extra.yaml: is a symbolic link');
    expect(double.requests).toHaveLength(0);
  });

  it('a missing folder is a usage error', async () => {
    const result = await weft(harness, 'project', 'push', 'nowhere', '--env', 'dev');
    expect(result).toMatchObject({
      code: 2,
      stderr: `weft: no project folder at ${join(harness.home, 'nowhere')}\n`,
    });
  });
});

describe('weft deploy', () => {
  it('finds the project by name and deploys the revision asked for', async () => {
    const project = projectView(DEV);
    const deployment = {
      id: 'd-2',
      revision: 2,
      deployedAt: '2024-06-01T12:00:00.000Z',
      deployedBy: 'k',
    };
    double
      .on('GET', envPath(DEV, 'projects/by-name/orders-sync'), { status: 200, body: project })
      .on('POST', envPath(DEV, `projects/${project.id}/deployments`), {
        status: 201,
        body: { deployment },
      });

    const result = await weft(harness, 'deploy', 'orders-sync', '--revision', '2', '--env', 'dev');

    expect(result).toMatchObject({
      code: 0,
      stdout: 'deployed revision 2 of orders-sync to dev\n',
    });
    expect(pushes()[0]!.body).toEqual({ revision: 2 });
  });

  it('VARIABLES_MISSING: exit 5 with the message', async () => {
    const project = projectView(DEV);
    double
      .on('GET', envPath(DEV, 'projects/by-name/orders-sync'), { status: 200, body: project })
      .on('POST', envPath(DEV, `projects/${project.id}/deployments`), {
        status: 400,
        body: { error: { code: 'VARIABLES_MISSING', message: 'dev lacks PG_PASSWORD' } },
      });
    const result = await weft(harness, 'deploy', 'orders-sync', '--env', 'dev');
    expect(result).toMatchObject({
      code: 5,
      stderr: 'weft: deploying orders-sync: dev lacks PG_PASSWORD (VARIABLES_MISSING)\n',
    });
    expect(pushes()[0]!.body).toEqual({});
  });

  it('an unknown environment name: exit 4 naming the known ones', async () => {
    const result = await weft(harness, 'deploy', 'orders-sync', '--env', 'staging');
    expect(result).toMatchObject({
      code: 4,
      stderr: 'weft: no environment named staging (environments: dev, prod)\n',
    });
  });

  it('no environment given: exit 2', async () => {
    const result = await weft(harness, 'deploy', 'orders-sync');
    expect(result).toMatchObject({
      code: 2,
      stderr: 'weft: give the environment with --env <id|name> or WEFT_ENV\n',
    });
    harness.env['WEFT_ENV'] = 'prod';
    expect((await weft(harness, 'deploy', 'orders-sync')).stderr).toBe(
      'weft: no project orders-sync in environment prod\n',
    );
  });
});

describe('weft project pull', () => {
  it('writes the revision as a folder', async () => {
    const project = projectView(DEV);
    double
      .on('GET', envPath(DEV, 'projects/by-name/orders-sync'), { status: 200, body: project })
      .on('GET', envPath(DEV, `projects/${project.id}/revisions/3`), {
        status: 200,
        body: {
          ...revisionView(3),
          document: { version: 1, name: 'orders-sync', operations: { 'load-orders': {} } },
        },
      });

    const result = await weft(harness, 'project', 'pull', 'orders-sync', 'pulled', '--env', 'dev');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `wrote 2 files of orders-sync revision 3 to ${join(harness.home, 'pulled')}\n`,
    );
    expect(await readFile(join(harness.home, 'pulled', 'weft-project.yaml'), 'utf8')).toBe(
      'version: 1\nname: orders-sync\n',
    );
    expect(await readdir(join(harness.home, 'pulled', 'operations'))).toEqual(['load-orders.yaml']);
  });

  it('never writes into a folder that has files', async () => {
    const project = projectView(DEV);
    double
      .on('GET', envPath(DEV, 'projects/by-name/orders-sync'), { status: 200, body: project })
      .on('GET', envPath(DEV, `projects/${project.id}/revisions/1`), {
        status: 200,
        body: { ...revisionView(1), document: { version: 1, name: 'orders-sync' } },
      });
    const result = await weft(
      harness,
      'project',
      'pull',
      'orders-sync',
      'orders-sync',
      '--revision',
      '1',
      '--env',
      'dev',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not empty: pull into a new or empty folder');
    expect(await readFile(join(folder, 'weft-project.yaml'), 'utf8')).toBe(
      'version: 1\nname: orders-sync\n',
    );
  });
});
