// The one test that uses the real @weft/project (the others inject a stand-in): push and pull
// through the library main.ts loads, so the CLI and the library agree on files and documents.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadProjectLibrary } from '../src/project/load-project-library.js';
import { makeHarness, weft, type Harness } from './support/cli-harness.js';
import { ControlPlaneDouble } from './support/control-plane-double.js';
import { DEV, envPath, projectView, revisionView, useEnvironmentKey } from './support/fixtures.js';

let double: ControlPlaneDouble;
let harness: Harness;

const FILES: Record<string, string> = {
  'weft-project.yaml': 'version: 1\nname: tiny\n',
  'connections/store.yaml': 'connector: s3\nconfig: { bucket: b }\n',
  'operations/copy.yaml':
    'source: { connection: store }\ntarget: { connection: store, config: { key: out.csv } }\n',
};

beforeEach(async () => {
  double = await ControlPlaneDouble.start();
  harness = await makeHarness();
  harness.project = await loadProjectLibrary();
  useEnvironmentKey(harness, double);
  for (const [path, content] of Object.entries(FILES)) {
    await mkdir(join(harness.home, 'tiny', path, '..'), { recursive: true });
    await writeFile(join(harness.home, 'tiny', path), content);
  }
});
afterEach(async () => {
  await double.stop();
  await harness.cleanup();
});

describe('with the real @weft/project', () => {
  it('push sends the parsed document; pull writes it back as the same folder', async () => {
    const project = projectView(DEV, { name: 'tiny', latestRevision: 1 });
    double.on('POST', envPath(DEV, 'projects'), {
      status: 201,
      body: { project, revision: revisionView(1), created: true },
    });
    expect((await weft(harness, 'project', 'push', 'tiny', '--env', DEV.id)).code).toBe(0);
    const { document } = double.requests[0]!.body as { document: Record<string, unknown> };
    expect(document).toMatchObject({
      version: 1,
      name: 'tiny',
      connections: { store: { connector: 's3', config: { bucket: 'b' } } },
      operations: { copy: { source: { connection: 'store' } } },
    });

    double
      .on('GET', envPath(DEV, 'projects/by-name/tiny'), { status: 200, body: project })
      .on('GET', envPath(DEV, `projects/${project.id}/revisions/1`), {
        status: 200,
        body: { ...revisionView(1), document },
      });
    expect((await weft(harness, 'project', 'pull', 'tiny', 'copy', '--env', DEV.id)).code).toBe(0);
    expect(await readFile(join(harness.home, 'copy', 'weft-project.yaml'), 'utf8')).toBe(
      FILES['weft-project.yaml'],
    );

    // The pulled folder pushes as the same document.
    expect((await weft(harness, 'project', 'push', 'copy', '--env', DEV.id)).code).toBe(0);
    expect((double.requests.at(-1)!.body as { document: unknown }).document).toEqual(document);
  });

  it("the library's problems: each as path: message, exit 5, nothing sent", async () => {
    await writeFile(
      join(harness.home, 'tiny', 'operations', 'bad.yaml'),
      'source: { connection: nope }\n',
    );
    const result = await weft(harness, 'project', 'push', 'tiny', '--env', DEV.id);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('weft: tiny: the project has ');
    expect(result.stderr).toContain(
      'operations.bad.source.connection: names "nope", which is not a connection of this project\n',
    );
    expect(double.requests).toHaveLength(0);
  });
});
