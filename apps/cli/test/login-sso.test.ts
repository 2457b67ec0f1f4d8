import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeHarness, weft, type Harness } from './support/cli-harness.js';
import { ControlPlaneDouble, json, type SeenRequest } from './support/control-plane-double.js';
import { KEY_ID, ORG, api, mintApiKey, sessionBody } from './support/fixtures.js';

let double: ControlPlaneDouble;
let harness: Harness;
/** The browser's trips, awaited before the double stops. */
let visits: Array<Promise<unknown>>;

beforeEach(async () => {
  double = await ControlPlaneDouble.start();
  harness = await makeHarness();
  visits = [];
});
afterEach(async () => {
  await Promise.allSettled(visits);
  await double.stop();
  await harness.cleanup();
});

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * The control plane's side of `weft login --sso`, played by the double: the start redirects the
 * browser (after a sign-in at the provider, not played here) to the CLI's loopback port with a
 * code; the token endpoint checks the verifier against the challenge and answers with a key.
 */
function serveSso(options: { state?: (sent: string) => string } = {}) {
  const code = randomBytes(32).toString('base64url');
  const apiKey = mintApiKey();
  let challenge = '';
  double
    .on('GET', api('auth/cli/sso/acme'), (request, response) => {
      challenge = request.query['challenge'] ?? '';
      const back = new URL(`http://127.0.0.1:${request.query['port']}/callback`);
      back.searchParams.set('code', code);
      back.searchParams.set(
        'state',
        options.state?.(request.query['state']!) ?? request.query['state']!,
      );
      response.writeHead(302, { location: back.href });
      response.end();
    })
    .on('POST', api('auth/cli/token'), (request: SeenRequest, response) => {
      const body = request.body as { code?: string; verifier?: string };
      if (body.code !== code || s256(body.verifier ?? '') !== challenge) {
        return json(response, 400, {
          error: {
            code: 'CLI_LOGIN_CODE_INVALID',
            message: 'the sign-in code is unknown, already used or expired',
          },
        });
      }
      json(response, 200, {
        token: apiKey,
        key: {
          id: KEY_ID,
          name: 'weft CLI (SSO)',
          prefix: apiKey.slice(5, 17),
          roleIds: [],
          expiresAt: '2024-07-01T12:00:00.000Z',
        },
        user: { id: randomBytes(8).toString('hex'), email: 'dev@acme.example' },
        organization: { id: ORG, slug: 'acme', name: 'Acme' },
      });
    })
    .on('GET', api('auth/session'), { status: 200, body: sessionBody() });
  return { code, apiKey };
}

/** A browser that follows the redirects of the address it is given. */
function browserThatOpens(result = true) {
  harness.browser = (url) => {
    visits.push(fetch(url).then((response) => response.text()));
    return result;
  };
}

describe('weft login --sso', () => {
  it('opens the sign-in, takes the code on 127.0.0.1, trades it with the verifier, stores the key', async () => {
    const { code, apiKey } = serveSso();
    browserThatOpens();

    const result = await weft(harness, 'login', '--sso', '--url', double.url, '--org', 'acme');

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(harness.opened).toHaveLength(1);
    const opened = new URL(harness.opened[0]!);
    expect(`${opened.origin}${opened.pathname}`).toBe(`${double.url}api/v1/auth/cli/sso/acme`);
    expect(Number(opened.searchParams.get('port'))).toBeGreaterThanOrEqual(1024);
    expect(opened.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(opened.searchParams.get('challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect(double.calls()).toEqual([
      'GET /api/v1/auth/cli/sso/acme',
      'POST /api/v1/auth/cli/token',
      'GET /api/v1/auth/session',
    ]);
    const [, exchange, check] = double.requests;
    const verifier = (exchange!.body as { verifier: string }).verifier;
    expect(exchange!.body).toEqual({ code, verifier });
    expect(s256(verifier)).toBe(opened.searchParams.get('challenge'));
    // The exchange carries no credentials; the new key is checked before it is kept.
    expect(exchange!.headers.authorization).toBeUndefined();
    expect(check!.headers.authorization).toBe(`Bearer ${apiKey}`);

    const file = join(harness.configDir, 'credentials.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url: double.url, apiKey });
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(result.stdout).toContain(
      `logged in to ${double.url} as dev@acme.example in organization acme (Acme)`,
    );
    expect(result.stdout).toContain('"weft CLI (SSO)"');
    expect(result.stdout).toContain('expires 2024-07-01');
    for (const secret of [apiKey, verifier, code]) expect(result.stdout).not.toContain(secret);
  });

  it('prints the address when no browser opens, for the person to open it', async () => {
    serveSso();
    browserThatOpens(false);
    const result = await weft(
      harness,
      'login',
      '--sso',
      '--url',
      double.url,
      '--org',
      'acme',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('open this address in your browser to sign in to acme:');
    expect(result.stderr).toContain(`  ${harness.opened[0]}\n`);
    // --json: progress on stderr, one document on stdout.
    expect(JSON.parse(result.stdout)).toMatchObject({
      url: double.url,
      user: { email: 'dev@acme.example' },
      organization: { id: ORG, slug: 'acme' },
      key: { id: KEY_ID, name: 'weft CLI (SSO)' },
    });
  });

  it('refuses a browser that comes back with another state: no exchange, nothing stored', async () => {
    serveSso({ state: () => randomBytes(24).toString('base64url') });
    browserThatOpens();
    const result = await weft(harness, 'login', '--sso', '--url', double.url, '--org', 'acme');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^weft: the browser came back with a sign-in this weft did not start \(state mismatch\)/,
    );
    expect(double.calls()).toEqual(['GET /api/v1/auth/cli/sso/acme']);
    await expect(stat(join(harness.configDir, 'credentials.json'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('reports a refused code (exit 3) and stores nothing', async () => {
    serveSso();
    double.on('POST', api('auth/cli/token'), {
      status: 400,
      body: {
        error: {
          code: 'CLI_LOGIN_CODE_INVALID',
          message: 'the sign-in code is unknown, already used or expired',
        },
      },
    });
    browserThatOpens();
    const result = await weft(harness, 'login', '--sso', '--url', double.url, '--org', 'acme');
    expect(result).toMatchObject({
      code: 3,
      stderr:
        'weft: signing in: the sign-in code is unknown, already used or expired (CLI_LOGIN_CODE_INVALID)\n',
    });
    await expect(stat(join(harness.configDir, 'credentials.json'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it.each([
    [['--url', 'URL'], 'give the organization to sign in to with --org <slug>'],
    [['--url', 'URL', '--org', 'Acme Corp'], "--org must be the organization's slug"],
    [['--org', 'acme'], 'give the control plane with --url <url>'],
    [
      ['--url', 'URL', '--org', 'acme', '--api-key-stdin'],
      '--sso signs in through the browser: give no API key with it',
    ],
    [
      ['--url', 'http://weft.example.com', '--org', 'acme'],
      'plain http is accepted only for a loopback host',
    ],
  ])('usage errors (exit 2) open nothing: %j', async (args, message) => {
    const argv = args.map((a) => (a === 'URL' ? double.url : a));
    const result = await weft(harness, 'login', '--sso', ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(harness.opened).toEqual([]);
    expect(double.requests).toEqual([]);
  });
});
