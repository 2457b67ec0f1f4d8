// What a connector configuration says about project variables: `${NAME}` inside strings (kind
// `variable`, substituted by the agent; `$${` is a literal `${`), `{ secret: NAME }` objects (kind
// `credential`, resolved by the connector), and literal strings under secret-looking keys, which
// would put a credential into the design repository.
import type { ProjectVariable, VariableKind } from '../types.js';
import { isPlainObject } from './json.js';
import type { Problems } from './problems.js';
import { child, item, short } from './problems.js';

export const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

export interface VariableUse {
  readonly path: string;
  readonly name: string;
  /** `substitution`: `${NAME}`; `secret`: `{ secret: NAME }`. */
  readonly form: 'substitution' | 'secret';
}

interface ConfigFindings {
  readonly uses: VariableUse[];
  readonly malformed: Array<{ path: string; message: string }>;
  readonly secretLiterals: string[];
}

const SECRET_WORDS = new Set([
  'authorization',
  'bearer',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'credentials',
  'apikey',
  'privatekey',
]);
// `key` alone names an object key (S3's `key: orders.csv`); with one of these before it, a secret
const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'private',
  'secret',
  'signing',
  'client',
  'encryption',
  'master',
  'auth',
  'account',
  'shared',
  'subscription',
]);

/** Whether a config key names a secret by the words it ends with: `password`, `clientSecret`, `accessKeyId`… */
export function isSecretLookingKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  const last = words.at(-1);
  if (last === undefined) return false;
  if (SECRET_WORDS.has(last)) return true;
  const before = words.at(-2);
  if (last === 'key') return before !== undefined && KEY_QUALIFIERS.has(before);
  // AWS names its access key "accessKeyId"
  return last === 'id' && before === 'key' && KEY_QUALIFIERS.has(words.at(-3) ?? '');
}

export function isSecretReference(value: unknown): value is { secret: string } {
  return (
    isPlainObject(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secret?: unknown }).secret === 'string'
  );
}

function scanString(text: string, path: string, findings: ConfigFindings): void {
  for (let at = text.indexOf('$'); at !== -1; at = text.indexOf('$', at)) {
    if (text.startsWith('$${', at)) {
      at += 3;
      continue;
    }
    if (text[at + 1] !== '{') {
      at += 1;
      continue;
    }
    const end = text.indexOf('}', at + 2);
    if (end === -1) {
      findings.malformed.push({ path, message: 'has a ${ without its closing }' });
      return;
    }
    const name = text.slice(at + 2, end);
    if (VARIABLE_NAME.test(name)) findings.uses.push({ path, name, form: 'substitution' });
    // not echoed: a malformed reference may be a value pasted in by mistake
    else
      findings.malformed.push({
        path,
        message: 'has a ${…} that is not a variable name (A-Z, 0-9, _); write $${ for a literal ${',
      });
    at = end + 1;
  }
}

/** A URL with a password in it (`postgres://user:pw@host/db`): a credential whatever its key. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]*:[^/?#@\s]+@/i;

function scan(value: unknown, path: string, secretKey: boolean, findings: ConfigFindings): void {
  if (typeof value === 'string') {
    if (secretKey || URL_WITH_PASSWORD.test(value)) findings.secretLiterals.push(path);
    scanString(value, path, findings);
  } else if (Array.isArray(value)) {
    value.forEach((entry: unknown, index) => scan(entry, item(path, index), secretKey, findings));
  } else if (isSecretReference(value)) {
    findings.uses.push({ path, name: value.secret, form: 'secret' });
  } else if (isPlainObject(value)) {
    for (const [key, entry] of Object.entries(value))
      scan(entry, child(path, key), isSecretLookingKey(key), findings);
  }
}

export function scanConfig(config: unknown, path: string): ConfigFindings {
  const findings: ConfigFindings = { uses: [], malformed: [], secretLiterals: [] };
  scan(config, path, false, findings);
  return findings;
}

/** Reports every problem of a connector config's variable references and secret literals. */
export function checkConfig(
  config: unknown,
  path: string,
  variables: ReadonlyMap<string, ProjectVariable | undefined>,
  problems: Problems,
): void {
  const findings = scanConfig(config, path);
  for (const at of findings.secretLiterals)
    problems.add(
      at,
      'secret_literal',
      'is a secret-looking field holding a literal: write { secret: NAME } naming a credential variable',
    );
  for (const { path: at, message } of findings.malformed)
    problems.add(at, 'invalid_value', message);
  for (const use of findings.uses) {
    // a name that is not a variable name is not echoed: it may be a value pasted in by mistake
    const name = VARIABLE_NAME.test(use.name) ? short(use.name) : '…';
    const shown = use.form === 'secret' ? `{ secret: ${name} }` : `\${${name}}`;
    if (!variables.has(use.name)) {
      problems.add(use.path, 'unknown_reference', `${shown} names no declared variable`);
      continue;
    }
    const declared = variables.get(use.name);
    if (declared === undefined) continue; // declared in a file that did not parse
    const wanted: VariableKind = use.form === 'secret' ? 'credential' : 'variable';
    if (declared.kind !== wanted)
      problems.add(
        use.path,
        'variable_kind',
        use.form === 'secret'
          ? `${shown} must name a credential; ${name} is a variable (use \${${name}})`
          : `${shown} must name a variable; ${name} is a credential, which only { secret: ${name} } may use`,
      );
  }
}
