import { randomBytes } from 'node:crypto';
import {
  CryptoError,
  DEFAULT_SECRET_KEY_PATTERN,
  DEFAULT_SECRET_VALUE_PATTERNS,
  REDACTED,
  createRedactor,
} from './index.js';

// Secrets are minted per run, never hard-coded.
const secret = () => randomBytes(12).toString('base64url');

describe('redact: secret keys', () => {
  const redactor = createRedactor();

  it.each([
    'password',
    'dbPassword',
    'passwd',
    'client_secret',
    'accessToken',
    'refresh_token',
    'Authorization',
    'set-cookie',
    'apiKey',
    'X-API-KEY',
    'api_key',
    'privateKey',
    'private-key',
    'credentials',
    'sessionId',
    'DATABASE_DSN',
    'connectionString',
  ])('redacts the value under %s', (key) => {
    const value = secret();
    const copy = redactor.redact({ [key]: value, keep: 'visible' });
    expect(copy).toEqual({ [key]: REDACTED, keep: 'visible' });
  });

  it.each(['username', 'host', 'port', 'compass', 'message', 'orgId'])('keeps %s', (key) => {
    expect(DEFAULT_SECRET_KEY_PATTERN.test(key)).toBe(false);
    expect(redactor.redact({ [key]: 'value' })).toEqual({ [key]: 'value' });
  });

  it('redacts whole objects and numbers under a secret key, but keeps absent values visible', () => {
    const copy = redactor.redact({
      credentials: { user: 'u', pass: secret() },
      pin_token: 1234,
      password: null,
      apiKey: undefined,
    });
    expect(copy).toEqual({
      credentials: REDACTED,
      pin_token: REDACTED,
      password: null,
      apiKey: undefined,
    });
  });

  it('redacts nested objects and arrays without touching the original', () => {
    const original = {
      connection: { host: 'db', auth: { password: 'p4ssw0rd-nested' } },
      users: [
        { name: 'ada', token: 'abcd-efgh' },
        { name: 'bob', token: 'ijkl-mnop' },
      ],
    };
    const snapshot = structuredClone(original);
    const copy = redactor.redact(original);
    expect(copy).toEqual({
      connection: { host: 'db', auth: { password: REDACTED } },
      users: [
        { name: 'ada', token: REDACTED },
        { name: 'bob', token: REDACTED },
      ],
    });
    expect(original).toEqual(snapshot);
    expect(copy.connection).not.toBe(original.connection);
  });

  it('applies the key pattern to Map keys and copies Sets', () => {
    const copy = redactor.redact({
      headers: new Map<string, string>([
        ['authorization', 'Basic dXNlcjpwYXNz'],
        ['accept', 'json'],
      ]),
      tags: new Set(['a', 'b']),
    });
    expect(copy.headers).toEqual(
      new Map([
        ['authorization', REDACTED],
        ['accept', 'json'],
      ]),
    );
    expect(copy.tags).toEqual(new Set(['a', 'b']));
  });

  it('uses a custom key pattern instead of the default, even one with a global flag', () => {
    const custom = createRedactor({ keyPattern: /^ssn$/gi });
    // A shared global regex would alternate true/false through lastIndex.
    expect(custom.redact([{ SSN: '1' }, { ssn: '2' }, { ssn: '3' }])).toEqual([
      { SSN: REDACTED },
      { ssn: REDACTED },
      { ssn: REDACTED },
    ]);
    expect(custom.redact({ password: 'kept-by-custom-pattern' })).toEqual({
      password: 'kept-by-custom-pattern',
    });
  });
});

describe('redact: structure', () => {
  const redactor = createRedactor();

  it('replaces cycles with [Circular] and keeps shared siblings', () => {
    const node: Record<string, unknown> = { name: 'root' };
    node.self = node;
    const shared = { x: 1 };
    node.list = [shared, shared, node];
    const copy = redactor.redact(node);
    expect(copy).toEqual({
      name: 'root',
      self: '[Circular]',
      list: [{ x: 1 }, { x: 1 }, '[Circular]'],
    });
    expect(() => JSON.stringify(copy)).not.toThrow();
  });

  it('turns Errors into name, message, code and cause, redacting each and dropping the rest', () => {
    const password = secret();
    const cause = new Error(`connect postgres://app:${password}@db:5432/weft failed`);
    const error = Object.assign(new TypeError('lookup failed', { cause }), {
      code: 'E_LOOKUP',
      query: `SELECT * FROM users WHERE password = '${password}'`,
    });
    const copy = redactor.redact({ error });
    expect(copy.error).toEqual({
      name: 'TypeError',
      message: 'lookup failed',
      code: 'E_LOOKUP',
      cause: { name: 'Error', message: `connect postgres://app:${REDACTED}@db:5432/weft failed` },
    });
    expect(JSON.stringify(copy)).not.toContain(password);
  });

  it('summarises binary data instead of copying bytes that may be key material', () => {
    const copy = redactor.redact({
      key: randomBytes(32),
      view: new Uint8Array(3),
      raw: new ArrayBuffer(5),
    });
    expect(copy).toEqual({
      key: '[Binary 32 bytes]',
      view: '[Binary 3 bytes]',
      raw: '[Binary 5 bytes]',
    });
  });

  it('copies Dates and keeps primitives', () => {
    const when = new Date('2024-05-01T10:00:00.000Z');
    const copy = redactor.redact({ when, n: 1, ok: true, none: null, big: 10n });
    expect(copy.when).toEqual(when);
    expect(copy.when).not.toBe(when);
    expect(copy).toMatchObject({ n: 1, ok: true, none: null, big: 10n });
  });

  it('uses toJSON like JSON.stringify, so a URL object has its password masked', () => {
    const password = secret();
    const copy = redactor.redact({ target: new URL(`https://svc:${password}@api.example.com/v1`) });
    expect(copy).toEqual({ target: `https://svc:${REDACTED}@api.example.com/v1` });
  });

  it('survives throwing getters and hostile proxies', () => {
    const hostile = {
      fine: 'ok',
      get broken(): string {
        throw new Error('boom');
      },
    };
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    expect(redactor.redact({ hostile, proxy: revocable.proxy })).toEqual({
      hostile: { fine: 'ok', broken: '[Unreadable]' },
      proxy: '[Unreadable]',
    });
  });

  it('stops at a depth limit instead of overflowing the stack', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i += 1) deep = { next: deep };
    expect(JSON.stringify(redactor.redact(deep))).toContain('[Too deep]');
  });

  it('adds an own "__proto__" key as a field, not as a prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
    const copy = redactor.redact(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('redactString: known secret values', () => {
  it('masks every occurrence anywhere in a string, in keys and values', () => {
    const value = secret();
    const redactor = createRedactor({ secretValues: [value] });
    expect(redactor.redactString(`a${value}b ${value}`)).toBe(`a${REDACTED}b ${REDACTED}`);
    expect(redactor.redact({ [value]: `x-${value}`, list: [value] })).toEqual({
      [REDACTED]: `x-${REDACTED}`,
      list: [REDACTED],
    });
  });

  it('ignores values shorter than 4 characters, which would mask ordinary text', () => {
    const redactor = createRedactor({ secretValues: ['abc', 'e', ''] });
    expect(redactor.redactString('abc e abcdef')).toBe('abc e abcdef');
  });

  it('treats secret values literally, not as patterns', () => {
    const redactor = createRedactor({ secretValues: ['a.b*c+(d)'] });
    expect(redactor.redactString('x a.b*c+(d) aXbbbc+d')).toBe(`x ${REDACTED} aXbbbc+d`);
  });

  it('masks the longer of two overlapping secrets whole', () => {
    const redactor = createRedactor({ secretValues: ['hunter', 'hunter2-extended'] });
    expect(redactor.redactString('pw hunter2-extended')).toBe(`pw ${REDACTED}`);
  });

  it('masks URL-encoded and JSON-escaped forms of a secret', () => {
    const value = `p@ss/"w"${secret()}`;
    const redactor = createRedactor({ secretValues: [value] });
    expect(redactor.redactString(`?x=${encodeURIComponent(value)}`)).toBe(`?x=${REDACTED}`);
    expect(redactor.redactString(JSON.stringify({ v: value }))).toBe(`{"v":"${REDACTED}"}`);
  });

  it('learns secrets added later', () => {
    const value = secret();
    const redactor = createRedactor();
    expect(redactor.redactString(`v=${value}`)).toBe(`v=${value}`);
    redactor.addSecretValues(new Set([value]));
    expect(redactor.redactString(`v=${value}`)).toBe(`v=${REDACTED}`);
  });
});

describe('redactString: default value patterns', () => {
  const redactor = createRedactor();

  it('masks Bearer tokens but not the word "bearer" in prose', () => {
    const token = `${secret()}.${secret()}`;
    expect(redactor.redactString(`Authorization failed for Bearer ${token} (expired)`)).toBe(
      `Authorization failed for Bearer ${REDACTED} (expired)`,
    );
    expect(redactor.redactString('the bearer of bad news')).toBe('the bearer of bad news');
  });

  it('masks the password of credentials inside URLs, keeping user and host', () => {
    const password = secret();
    expect(redactor.redactString(`dial postgres://weft:${password}@db.internal:5432/app now`)).toBe(
      `dial postgres://weft:${REDACTED}@db.internal:5432/app now`,
    );
    expect(redactor.redactString(`redis://:${password}@cache:6379`)).toBe(
      `redis://:${REDACTED}@cache:6379`,
    );
    expect(redactor.redactString(`amqp://u:${password}@x@host/`)).toBe(
      `amqp://u:${REDACTED}@host/`,
    );
  });

  it('leaves URLs without credentials alone', () => {
    const text = 'see https://example.com:8443/path?q=1 and http://user@host/x';
    expect(redactor.redactString(text)).toBe(text);
  });

  it('masks PEM private key blocks, even truncated ones, but not certificates', () => {
    const body = randomBytes(48).toString('base64');
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(redactor.redactString(`key:\n${pem}\ndone`)).toBe(`key:\n${REDACTED}\ndone`);
    expect(redactor.redactString(`-----BEGIN PRIVATE KEY-----\n${body}`)).toBe(REDACTED);
    const cert = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
    expect(redactor.redactString(cert)).toBe(cert);
  });

  it('masks credential headers, JWTs and secret assignments in free text', () => {
    const value = secret();
    const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.${secret()}`;
    const cases: Array<[string, string]> = [
      [`Authorization: Basic ${value}`, `Authorization: ${REDACTED}`],
      [`Cookie: sid=${value}; theme=dark`, `Cookie: ${REDACTED}`],
      [`token ${jwt} rejected`, `token ${REDACTED} rejected`],
      [`login password=${value} user=ada`, `login password=${REDACTED} user=ada`],
      [`{"client_secret":"${value}","id":"x"}`, `{"client_secret":"${REDACTED}","id":"x"}`],
      [`{"password": "with \\"quote\\" ${value}"}`, `{"password": "${REDACTED}"}`],
      [`api_key='two words'`, `api_key='${REDACTED}'`],
      [`GET /cb?code=1&access_token=${value}&x=1`, `GET /cb?code=1&access_token=${REDACTED}&x=1`],
    ];
    for (const [input, expected] of cases) expect(redactor.redactString(input)).toBe(expected);
  });

  it('is idempotent', () => {
    const text = `password=${secret()} Bearer ${secret()} postgres://a:${secret()}@h`;
    const once = redactor.redactString(text);
    expect(redactor.redactString(once)).toBe(once);
  });

  it('stays fast on large adversarial input (no catastrophic backtracking)', () => {
    const adversarial = [
      `${'a.'.repeat(100_000)}password${'_'.repeat(50_000)}://${'x:'.repeat(50_000)}`,
      'password="'.repeat(50_000),
      'eyJ'.repeat(100_000),
      'Bearer '.repeat(50_000),
      'a://b:'.repeat(50_000),
      '-----BEGIN PRIVATE KEY-----'.repeat(10_000),
    ];
    const started = process.hrtime.bigint();
    for (const input of adversarial) redactor.redactString(input);
    // Each takes milliseconds; a quadratic pattern would take many minutes on these sizes. The
    // bound is deliberately far from the real figure so a loaded CI machine cannot trip it:
    // it tells "linear" from "catastrophic", it does not measure speed.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(30_000);
  });

  it('uses configured patterns instead of the defaults, masking a `secret` group or the whole match', () => {
    const custom = createRedactor({
      valuePatterns: [/card (?<secret>\d{4})/g, /SSN-\d{3}/],
    });
    expect(custom.redactString('card 1234 and SSN-123, SSN-456, Bearer abcdefghijk')).toBe(
      `card ${REDACTED} and ${REDACTED}, ${REDACTED}, Bearer abcdefghijk`,
    );
    const extended = createRedactor({
      valuePatterns: [...DEFAULT_SECRET_VALUE_PATTERNS, /SSN-\d{3}/],
    });
    expect(extended.redactString('SSN-123 Bearer abcdefghijk')).toBe(
      `${REDACTED} Bearer ${REDACTED}`,
    );
  });

  it('ignores zero-length matches and refuses non-RegExp patterns', () => {
    expect(createRedactor({ valuePatterns: [/x*/g] }).redactString('abc')).toBe('abc');
    expect(() => createRedactor({ valuePatterns: ['secret' as unknown as RegExp] })).toThrow(
      CryptoError,
    );
  });
});
