import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ConfigError, IsUrlWithProtocol, Secret, ToInt } from '@weft/server-kit';

export const KEK_PROVIDERS = ['local', 'aws-kms'] as const;
export type KekProviderName = (typeof KEK_PROVIDERS)[number];

/** Where the key-encryption key (KEK) comes from. docs/configuration.md describes each setting. */
export type KekSettings =
  | {
      provider: 'local';
      /** Exactly one of `file` and `value`. */
      file?: string;
      value?: string;
      /** Earlier KEKs, kept only to unwrap data keys until `keys rewrap` has moved them. */
      previousFiles: string[];
    }
  | {
      provider: 'aws-kms';
      keyId: string;
      region?: string;
      endpoint?: string;
      previousKeyIds: string[];
    };

export interface KeySettings {
  kek: KekSettings;
  /** How long an unwrapped data key stays in memory. */
  cacheTtlMs: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin pattern needs any[]
type Constructor<T = object> = new (...args: any[]) => T;

/**
 * Adds the key-encryption settings to an environment schema (the control plane and its key,
 * bootstrap and backup commands all need them). A mixin, because the schemas already extend
 * different bases.
 */
export function WithKeySettings<TBase extends Constructor>(Base: TBase) {
  class KeySettingsEnv extends Base {
    @IsIn(KEK_PROVIDERS, {
      message: `WEFT_KEK_PROVIDER must be one of ${KEK_PROVIDERS.join(', ')}`,
    })
    WEFT_KEK_PROVIDER: KekProviderName = 'local';

    /** A file holding the 32-byte KEK as base64; must be mode 0600 or stricter. */
    @IsOptional()
    @IsString()
    WEFT_KEK_FILE?: string;

    /** The KEK itself, base64; for platforms that inject secrets as variables. */
    @Secret()
    @IsOptional()
    @IsString()
    WEFT_KEK?: string;

    /** Comma-separated files of earlier KEKs (decrypt only), during a KEK rotation. */
    @IsOptional()
    @IsString()
    WEFT_KEK_PREVIOUS_FILES?: string;

    @IsOptional()
    @Matches(/^[A-Za-z0-9:/_.-]{1,2048}$/, {
      message: 'WEFT_KMS_KEY_ID must be a KMS key id, ARN or alias',
    })
    WEFT_KMS_KEY_ID?: string;

    @IsOptional()
    @IsString()
    WEFT_KMS_PREVIOUS_KEY_IDS?: string;

    @IsOptional()
    @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'WEFT_KMS_REGION must be an AWS region' })
    WEFT_KMS_REGION?: string;

    @IsOptional()
    @IsUrlWithProtocol(['http:', 'https:'])
    WEFT_KMS_ENDPOINT?: string;

    @ToInt()
    @IsInt()
    @Min(1)
    @Max(86_400)
    WEFT_KEY_CACHE_TTL_SECONDS: number = 300;
  }
  return KeySettingsEnv;
}

export type KeySettingsEnv = InstanceType<ReturnType<typeof WithKeySettings<Constructor>>>;

/** Cross-field rules of the key settings; throws ConfigError naming the settings. */
export function compileKeySettings(env: KeySettingsEnv): KeySettings {
  const cacheTtlMs = env.WEFT_KEY_CACHE_TTL_SECONDS * 1000;
  if (env.WEFT_KEK_PROVIDER === 'aws-kms') {
    if (env.WEFT_KMS_KEY_ID === undefined) {
      throw new ConfigError(
        ['WEFT_KMS_KEY_ID'],
        'invalid configuration: WEFT_KMS_KEY_ID is required when WEFT_KEK_PROVIDER is aws-kms',
      );
    }
    refuseOther(env, ['WEFT_KEK_FILE', 'WEFT_KEK', 'WEFT_KEK_PREVIOUS_FILES'], 'aws-kms');
    return {
      kek: {
        provider: 'aws-kms',
        keyId: env.WEFT_KMS_KEY_ID,
        ...(env.WEFT_KMS_REGION !== undefined ? { region: env.WEFT_KMS_REGION } : {}),
        ...(env.WEFT_KMS_ENDPOINT !== undefined ? { endpoint: env.WEFT_KMS_ENDPOINT } : {}),
        previousKeyIds: list(env.WEFT_KMS_PREVIOUS_KEY_IDS),
      },
      cacheTtlMs,
    };
  }
  if ((env.WEFT_KEK_FILE === undefined) === (env.WEFT_KEK === undefined)) {
    throw new ConfigError(
      ['WEFT_KEK_FILE', 'WEFT_KEK'],
      'invalid configuration: set exactly one of WEFT_KEK_FILE and WEFT_KEK (the key-encryption key)',
    );
  }
  refuseOther(
    env,
    ['WEFT_KMS_KEY_ID', 'WEFT_KMS_PREVIOUS_KEY_IDS', 'WEFT_KMS_REGION', 'WEFT_KMS_ENDPOINT'],
    'local',
  );
  return {
    kek: {
      provider: 'local',
      ...(env.WEFT_KEK_FILE !== undefined ? { file: env.WEFT_KEK_FILE } : {}),
      ...(env.WEFT_KEK !== undefined ? { value: env.WEFT_KEK } : {}),
      previousFiles: list(env.WEFT_KEK_PREVIOUS_FILES),
    },
    cacheTtlMs,
  };
}

// A setting of the other provider is a mistake worth stopping for: the operator believes it is used.
function refuseOther(env: KeySettingsEnv, names: Array<keyof KeySettingsEnv>, provider: string) {
  const set = names.filter((name) => env[name] !== undefined);
  if (set.length > 0) {
    throw new ConfigError(
      set.map(String),
      `invalid configuration: ${set.join(', ')} ${set.length === 1 ? 'does' : 'do'} not apply when WEFT_KEK_PROVIDER is ${provider}`,
    );
  }
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
