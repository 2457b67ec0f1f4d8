import type { ResolvedRunSecret } from '../secrets/resolve-run-secrets.js';
import { OperationRunError } from './operation-run.error.js';

/** The vault's secret-name rule (resolve-run-secrets.ts), inside `${…}`. */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
/** Connector configs are shallow; a deeper one is refused rather than walked without end. */
const MAX_DEPTH = 64;

/**
 * A copy of a connector config with `${NAME}` in its strings replaced by the value of the run's
 * variable NAME (a secret of kind `variable`, already resolved): whole strings (`${BUCKET}`) and
 * embedded ones (`https://${HOST}/api`). `$${` stands for a literal `${`. Keys are left alone, and
 * so is `{ secret: NAME }`, which the connector resolves itself. A name no variable of the run
 * has, a credential (credentials reach connectors only through `{ secret: NAME }`, so they are
 * never copied into a config string), or a malformed `${` fails the run `invalid_operation`,
 * naming the name and where it is — never a value.
 */
export function substituteVariables(
  config: unknown,
  secrets: ReadonlyMap<string, ResolvedRunSecret>,
  where: string,
): unknown {
  return substitute(config, secrets, where, 0);
}

function substitute(
  value: unknown,
  secrets: ReadonlyMap<string, ResolvedRunSecret>,
  path: string,
  depth: number,
): unknown {
  if (typeof value === 'string') return substituteText(value, secrets, path);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) {
    throw new OperationRunError(
      'invalid_operation',
      `${path} nests deeper than ${MAX_DEPTH} levels`,
    );
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => substitute(item, secrets, `${path}[${index}]`, depth + 1));
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty: a key named __proto__ stays a plain key of the copy.
    Object.defineProperty(copy, key, {
      value: substitute(item, secrets, `${path}.${key}`, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function substituteText(
  text: string,
  secrets: ReadonlyMap<string, ResolvedRunSecret>,
  path: string,
): string {
  if (!text.includes('${')) return text;
  let result = '';
  let index = 0;
  while (index < text.length) {
    if (text.startsWith('$${', index)) {
      result += '${';
      index += 3;
      continue;
    }
    if (!text.startsWith('${', index)) {
      result += text[index];
      index += 1;
      continue;
    }
    const end = text.indexOf('}', index + 2);
    const name = end === -1 ? '' : text.slice(index + 2, end);
    if (!NAME.test(name)) {
      throw new OperationRunError(
        'invalid_operation',
        `${path} has a \${ that does not name a variable (write $\${ for a literal \${)`,
      );
    }
    result += valueOf(name, secrets, path);
    index = end + 1;
  }
  return result;
}

function valueOf(
  name: string,
  secrets: ReadonlyMap<string, ResolvedRunSecret>,
  path: string,
): string {
  const secret = secrets.get(name);
  if (secret === undefined) {
    throw new OperationRunError(
      'invalid_operation',
      `${path} uses \${${name}}, which is not a variable of this run`,
    );
  }
  if (secret.kind !== 'variable') {
    throw new OperationRunError(
      'invalid_operation',
      `${path} uses \${${name}}, a credential: credentials are passed as { secret: ${name} }, never into a string`,
    );
  }
  return secret.value.reveal();
}
