import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';

const SECRET_SETTINGS = Symbol.for('weft.server-kit.secret-settings');

/**
 * Marks a setting as a secret: its value is registered with the logger's redactor and it may never
 * carry a default (checked by `assertNoSecretDefaults`, which each app's tests call).
 */
export function Secret(): PropertyDecorator {
  return (target, property) => {
    const ctor = target.constructor as unknown as Record<symbol, string[] | undefined>;
    ctor[SECRET_SETTINGS] = [...(ctor[SECRET_SETTINGS] ?? []), String(property)];
  };
}

export function secretSettingsOf(schema: abstract new () => object): string[] {
  return [...((schema as unknown as Record<symbol, string[] | undefined>)[SECRET_SETTINGS] ?? [])];
}

const CONFIG_ERROR = Symbol.for('weft.server-kit.config-error');

/** A setting is missing or malformed. `message` is one line that names every bad setting. */
export class ConfigError extends Error {
  readonly [CONFIG_ERROR] = true;
  constructor(
    readonly settings: string[],
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
  static is(value: unknown): value is ConfigError {
    return typeof value === 'object' && value !== null && CONFIG_ERROR in value;
  }
}

/**
 * Validates environment variables against a class-validator schema whose property names are the
 * environment variable names. Empty strings count as unset. Returns the validated instance with
 * defaults (property initialisers) applied; throws ConfigError naming every bad setting.
 */
export function validateEnv<T extends object>(
  schema: new () => T,
  env: Record<string, string | undefined>,
): T {
  const plain: Record<string, unknown> = {};
  for (const key of settingNamesOf(schema)) {
    const raw = env[key];
    if (raw !== undefined && raw.trim() !== '') plain[key] = raw.trim();
  }
  const instance = plainToInstance(schema, plain, { exposeDefaultValues: true });
  const errors = validateSync(instance, { forbidUnknownValues: true }).sort((a, b) =>
    a.property.localeCompare(b.property),
  );
  if (errors.length > 0) {
    const problems = errors.map((error) => describe(error, plain));
    throw new ConfigError(
      errors.map((e) => e.property),
      `invalid configuration: ${problems.join('; ')}`,
    );
  }
  return instance;
}

function describe(error: ValidationError, plain: Record<string, unknown>): string {
  if (!(error.property in plain)) return `${error.property} is required`;
  const first = Object.values(error.constraints ?? {})[0];
  // class-validator messages already start with the property name; never echo the value itself.
  return first ?? `${error.property} is invalid`;
}

/** Every setting a schema declares: those with defaults and those with validators. */
export function settingNamesOf(schema: new () => object): string[] {
  const validated = getMetadataStorage()
    .getTargetValidationMetadatas(schema, '', true, false)
    .map((m) => m.propertyName);
  return [...new Set([...Object.keys(new schema()), ...validated])].sort();
}

/** Throws if a secret setting has a default value: secrets must always come from the operator. */
export function assertNoSecretDefaults(schema: new () => object): void {
  const template = new schema() as Record<string, unknown>;
  const withDefault = secretSettingsOf(schema).filter((key) => template[key] !== undefined);
  if (withDefault.length > 0) {
    throw new Error(`secret settings must not have defaults: ${withDefault.join(', ')}`);
  }
}

/** The values of the secret settings that are set, for the log redactor. */
export function secretValuesOf(config: object): string[] {
  const schema = config.constructor as new () => object;
  return secretSettingsOf(schema)
    .map((key) => (config as Record<string, unknown>)[key])
    .filter((value): value is string => typeof value === 'string' && value.length > 0);
}
