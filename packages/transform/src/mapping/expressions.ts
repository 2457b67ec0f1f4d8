// How the mapping compiles its expressions: declared names checked, bindings passed only to
// expressions that can use them.
import type { CompiledExpression } from '../expression/engine.js';
import type { MappingProblem } from './errors.js';
import { literalNames } from './static-check.js';

export interface DeclaredNames {
  readonly lookups: ReadonlySet<string>;
  readonly runVariables: ReadonlySet<string>;
  readonly scripts: ReadonlySet<string>;
}

const VARIABLE_REFERENCE = /\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Binding variables costs the engine work on every evaluation, and most field expressions use
 * none. An expression whose text mentions no binding name (nor `$eval`, which could reach one)
 * is evaluated without them; a mention anywhere, even inside a string, keeps them.
 */
export function withoutUnusedBindings(
  expression: CompiledExpression,
  names: ReadonlySet<string>,
): CompiledExpression {
  for (const match of expression.source.matchAll(VARIABLE_REFERENCE)) {
    const name = match[1] as string;
    if (name === 'eval' || names.has(name)) return expression;
  }
  return Object.freeze({
    source: expression.source,
    evaluate: (input: unknown) => expression.evaluate(input),
  });
}

export function checkNames(
  source: string,
  path: string,
  declared: {
    lookups: ReadonlySet<string>;
    runVariables: ReadonlySet<string>;
    scripts: ReadonlySet<string>;
  },
  problems: MappingProblem[],
): void {
  for (const name of literalNames(source, 'lookupTable'))
    if (!declared.lookups.has(name))
      problems.push({ path, message: `unknown lookup "${name}" (declare it in lookups)` });
  for (const fn of ['runVariable', 'setRunVariable'])
    for (const name of literalNames(source, fn))
      if (!declared.runVariables.has(name))
        problems.push({
          path,
          message: `unknown run variable "${name}" (declare it in runVariables)`,
        });
  for (const name of literalNames(source, 'script'))
    if (!declared.scripts.has(name))
      problems.push({ path, message: `unknown script "${name}" (declare it in scripts)` });
}
