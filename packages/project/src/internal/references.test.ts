import { isSecretLookingKey, scanConfig } from './references.js';

describe('isSecretLookingKey', () => {
  it.each([
    'password',
    'dbPassword',
    'PASSWORD',
    'passwd',
    'secret',
    'clientSecret',
    'client_secret',
    'token',
    'authToken',
    'refresh-token',
    'apiKey',
    'api_key',
    'APIKey',
    'privateKey',
    'secretAccessKey',
    'accessKeyId',
    'sharedKey',
    'credential',
    'credentials',
    'passphrase',
  ])('treats %s as secret', (key) => {
    expect(isSecretLookingKey(key)).toBe(true);
  });

  it.each([
    'key',
    'keyPrefix',
    'idempotencyKeyColumn',
    'tokenUrl',
    'passwordFile',
    'bucket',
    'host',
    'user',
    'secrets',
    'tokens',
    'primaryKey',
    'sortKey',
    '',
  ])('treats %j as ordinary', (key) => {
    expect(isSecretLookingKey(key)).toBe(false);
  });
});

describe('scanConfig', () => {
  it('finds ${NAME} anywhere in strings, { secret } objects and literals under secret keys', () => {
    const findings = scanConfig(
      {
        url: 'https://${HOST}:${PORT}/x',
        list: ['${A}', { secret: 'B' }],
        escaped: '$${NOT} $ {C} $$ ${D}',
        auth: { token: 'abc', password: { secret: 'PW' }, apiKeys: ['k'] },
        broken: 'x ${ y',
        lower: '${lower}',
        notReference: { secret: 'X', also: 1 },
      },
      'config',
    );
    expect(findings.uses).toEqual([
      { path: 'config.url', name: 'HOST', form: 'substitution' },
      { path: 'config.url', name: 'PORT', form: 'substitution' },
      { path: 'config.list[0]', name: 'A', form: 'substitution' },
      { path: 'config.list[1]', name: 'B', form: 'secret' },
      { path: 'config.escaped', name: 'D', form: 'substitution' },
      { path: 'config.auth.password', name: 'PW', form: 'secret' },
    ]);
    expect(findings.secretLiterals).toEqual(['config.auth.token', 'config.notReference.secret']);
    expect(findings.malformed.map((entry) => entry.path)).toEqual([
      'config.broken',
      'config.lower',
    ]);
  });

  it('writes odd keys in brackets', () => {
    expect(scanConfig({ 'a.b': { 'c d': 'secret ${X}' } }, 'config').uses).toEqual([
      { path: 'config["a.b"]["c d"]', name: 'X', form: 'substitution' },
    ]);
  });
});
