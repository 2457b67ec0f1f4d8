import { createGlobalSetup } from './jest-global-setup.js';
import { createTestDatabase, testNatsUrl, testS3 } from './jest-helpers.js';
import { TEST_ENVIRONMENT_VARIABLES as ENV } from './internal/env.js';

describe('jest helpers without the global setup', () => {
  const saved = { ...process.env };

  afterEach(() => {
    for (const name of Object.values(ENV)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('say which setup option is missing', async () => {
    for (const name of Object.values(ENV)) delete process.env[name];
    expect(() => testNatsUrl()).toThrow(
      /WEFT_TEST_NATS_URL is not set.*createGlobalSetup\(\{ nats: true \}\)/,
    );
    expect(() => testS3()).toThrow(expect.objectContaining({ code: 'GLOBAL_SETUP_MISSING' }));
    await expect(createTestDatabase()).rejects.toThrow(/createGlobalSetup\(\{ postgres: true \}\)/);
  });

  it('refuse a template name that is not a plain identifier', async () => {
    process.env[ENV.postgresTemplate] = 'weft"; DROP DATABASE postgres; --';
    await expect(createTestDatabase()).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('createGlobalSetup', () => {
  it('refuses options that cannot work, before starting anything', () => {
    expect(() => createGlobalSetup({ nats: true, migrate: async () => undefined })).toThrow(
      /migrate needs postgres: true/,
    );
    expect(() => createGlobalSetup({ postgres: true, templateDatabase: 'Weft-Template' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
