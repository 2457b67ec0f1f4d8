import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeHarness, weft, type Harness } from './support/cli-harness.js';
import { ControlPlaneDouble } from './support/control-plane-double.js';
import { DEV, KEY_ID, ORG, api, mintApiKey, sessionBody } from './support/fixtures.js';

let double: ControlPlaneDouble;
let harness: Harness;

beforeEach(async () => {
  double = await ControlPlaneDouble.start();
  harness = await makeHarness();
});
afterEach(async () => {
  await double.stop();
  await harness.cleanup();
});

function credentialsFile(): string {
  return join(harness.configDir, 'credentials.json');
}

describe('weft login', () => {
  it('checks the key from stdin against the session endpoint and stores it 0600', async () => {
    const key = mintApiKey();
    harness.stdin = `${key}\n`;
    double.on('GET', api('auth/session'), { status: 200, body: sessionBody() });

    const result = await weft(harness, 'login', '--url', double.url, '--api-key-stdin');

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(
      `logged in to ${double.url} as api_key ${KEY_ID} (organization ${ORG})`,
    );
    expect(double.requests).toHaveLength(1);
    expect(double.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect(double.requests[0]!.headers['user-agent']).toMatch(/^weft-cli\/9\.9\.9-test/);
    expect(JSON.parse(await readFile(credentialsFile(), 'utf8'))).toEqual({
      url: double.url,
      apiKey: key,
    });
    if (process.platform !== 'win32') {
      expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
      expect((await stat(harness.configDir)).mode & 0o777).toBe(0o700);
    }
    expect(result.stdout).not.toContain(key);
  });

  it('reads the key from --api-key-file, and from WEFT_API_KEY without a flag', async () => {
    double.on('GET', api('auth/session'), { status: 200, body: sessionBody() });
    const fromFile = mintApiKey();
    await writeFile(join(harness.home, 'key.txt'), `${fromFile}\n`);
    expect(
      (await weft(harness, 'login', '--url', double.url, '--api-key-file', 'key.txt')).code,
    ).toBe(0);
    expect(double.requests[0]!.headers.authorization).toBe(`Bearer ${fromFile}`);

    const fromEnv = mintApiKey();
    harness.env['WEFT_API_KEY'] = fromEnv;
    const result = await weft(harness, 'login', '--url', double.url, '--json');
    expect(result.code).toBe(0);
    expect(double.requests[1]!.headers.authorization).toBe(`Bearer ${fromEnv}`);
    expect(JSON.parse(result.stdout)).toMatchObject({
      url: double.url,
      principal: { kind: 'api_key', id: KEY_ID, orgId: ORG },
    });
  });

  it('a refused key: exit 3, the API message, nothing stored', async () => {
    harness.stdin = mintApiKey();
    double.on('GET', api('auth/session'), {
      status: 401,
      body: {
        error: { code: 'API_KEY_INVALID', message: 'the API key is unknown, revoked or expired' },
      },
    });

    const result = await weft(harness, 'login', '--url', double.url, '--api-key-stdin');

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'weft: checking the API key: the API key is unknown, revoked or expired (API_KEY_INVALID); run weft login again, or check WEFT_API_KEY\n',
    );
    await expect(stat(credentialsFile())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('never takes a key as an argument, and does not echo one', async () => {
    const key = mintApiKey();
    for (const argv of [
      ['login', '--url', double.url, '--api-key', key],
      ['login', '--url', double.url, `--api-key=${key}`],
      ['login', key, '--url', double.url],
    ]) {
      const result = await weft(harness, ...argv);
      expect(result.code).toBe(2);
      expect(result.stderr).not.toContain(key);
    }
    expect(double.requests).toHaveLength(0);
  });

  it('refuses plain http to a host that is not loopback, and an empty key', async () => {
    harness.stdin = mintApiKey();
    const remote = await weft(
      harness,
      'login',
      '--url',
      'http://weft.example.com',
      '--api-key-stdin',
    );
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('plain http is accepted only for a loopback host');

    harness.stdin = '  \n';
    const empty = await weft(harness, 'login', '--url', double.url, '--api-key-stdin');
    expect(empty).toMatchObject({
      code: 2,
      stderr: 'weft: the API key read is empty or not a single token\n',
    });
  });
});

describe('stored credentials', () => {
  async function logIn(): Promise<string> {
    const key = mintApiKey();
    harness.stdin = key;
    double
      .on('GET', api('auth/session'), { status: 200, body: sessionBody() })
      .on('GET', api(`organizations/${ORG}/environments`), { status: 200, body: [DEV] })
      .on('GET', api(`environments/${DEV.id}/projects/by-name/orders-sync`), {
        status: 404,
        body: { error: { code: 'PROJECT_NOT_FOUND', message: 'no such project' } },
      });
    expect((await weft(harness, 'login', '--url', double.url, '--api-key-stdin')).code).toBe(0);
    return key;
  }

  it('later commands use the stored URL and key', async () => {
    const key = await logIn();
    const result = await weft(harness, 'deploy', 'orders-sync', '--env', 'dev');
    expect(result).toMatchObject({
      code: 4,
      stderr: 'weft: no project orders-sync in environment dev\n',
    });
    expect(double.requests.slice(1).every((r) => r.headers.authorization === `Bearer ${key}`)).toBe(
      true,
    );
  });

  it('refuses a credentials file other users can read (exit 2), without sending the key', async () => {
    if (process.platform === 'win32') return;
    await logIn();
    await chmod(credentialsFile(), 0o644);
    const sent = double.requests.length;
    const result = await weft(harness, 'deploy', 'orders-sync', '--env', 'dev');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is accessible by other users (mode 0644); refusing to use it');
    expect(double.requests).toHaveLength(sent);
  });

  it('never sends the stored key to another --url', async () => {
    await logIn();
    const sent = double.requests.length;
    const result = await weft(
      harness,
      'deploy',
      'orders-sync',
      '--env',
      'dev',
      '--url',
      'https://other.example.com',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `you are logged in to ${double.url}, not https://other.example.com`,
    );
    expect(double.requests).toHaveLength(sent);
  });

  it('weft logout removes the file; then commands say to log in (exit 3)', async () => {
    await logIn();
    expect(await weft(harness, 'logout')).toMatchObject({
      code: 0,
      stdout: `logged out: removed ${credentialsFile()}\n`,
    });
    expect((await weft(harness, 'logout')).stdout).toBe(
      `not logged in (no ${credentialsFile()})\n`,
    );
    const result = await weft(harness, 'deploy', 'orders-sync', '--env', 'dev');
    expect(result).toMatchObject({
      code: 3,
      stderr: 'weft: not logged in: run weft login --url <control plane>, or set WEFT_API_KEY\n',
    });
  });
});
