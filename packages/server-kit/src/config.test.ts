import { IsInt, IsOptional, IsString } from 'class-validator';
import {
  ConfigError,
  Secret,
  assertNoSecretDefaults,
  secretValuesOf,
  settingNamesOf,
  validateEnv,
} from './config.js';
import { IsListenAddress, IsUrlWithProtocol, ToBool, ToInt, describeUrl } from './validators.js';

class Settings {
  @ToInt()
  @IsInt()
  PORT: number = 8080;

  @Secret()
  @IsUrlWithProtocol(['postgres:'])
  DATABASE_URL!: string;

  @Secret()
  @IsOptional()
  @IsString()
  API_SECRET?: string;

  @ToBool()
  @IsOptional()
  FLAG?: boolean;
}

class LeakySettings {
  @Secret()
  @IsString()
  TOKEN: string = 'default-token-value';
}

describe('validateEnv', () => {
  it('reads only declared settings and applies defaults', () => {
    const settings = validateEnv(Settings, { DATABASE_URL: 'postgres://u:p@h/db', UNRELATED: 'x' });
    expect(settings.PORT).toBe(8080);
    expect(settings.DATABASE_URL).toBe('postgres://u:p@h/db');
    expect(settingNamesOf(Settings)).toEqual(['API_SECRET', 'DATABASE_URL', 'FLAG', 'PORT']);
  });

  it('names each bad setting, sorted, in one line', () => {
    let caught: unknown;
    try {
      validateEnv(Settings, { PORT: 'x' });
    } catch (error) {
      caught = error;
    }
    expect(ConfigError.is(caught)).toBe(true);
    const error = caught as ConfigError;
    expect(error.settings).toEqual(['DATABASE_URL', 'PORT']);
    expect(error.message).toBe(
      'invalid configuration: DATABASE_URL is required; PORT must be an integer number',
    );
  });

  it('returns the secret values that are set', () => {
    const settings = validateEnv(Settings, {
      DATABASE_URL: 'postgres://u:p@h/db',
      API_SECRET: 's3cr3t-value',
    });
    expect(secretValuesOf(settings).sort()).toEqual(['postgres://u:p@h/db', 's3cr3t-value']);
  });

  it('catches a secret with a default', () => {
    expect(() => assertNoSecretDefaults(Settings)).not.toThrow();
    expect(() => assertNoSecretDefaults(LeakySettings)).toThrow(
      'secret settings must not have defaults: TOKEN',
    );
  });
});

describe('describeUrl', () => {
  it('drops passwords and query strings from one URL or a list', () => {
    expect(describeUrl('postgres://weft:pw@db:5432/weft?sslmode=require')).toBe(
      'postgres://weft@db:5432/weft',
    );
    expect(describeUrl('nats://a:pw@n1:4222,nats://n2:4222')).toBe(
      'nats://a@n1:4222,nats://n2:4222',
    );
    expect(describeUrl('not a url')).toBe('(unparseable URL)');
  });
});

describe('IsListenAddress', () => {
  class Listen {
    @IsListenAddress()
    HOST: string = '127.0.0.1';
  }
  it('accepts IP addresses and localhost, and nothing else', () => {
    for (const HOST of ['127.0.0.1', '0.0.0.0', '::1', '::', 'localhost']) {
      expect(validateEnv(Listen, { HOST }).HOST).toBe(HOST);
    }
    for (const HOST of ['cafe', 'example.com', '1.2.3', '::g']) {
      expect(() => validateEnv(Listen, { HOST })).toThrow(
        'HOST must be an IP address or localhost',
      );
    }
  });
});
