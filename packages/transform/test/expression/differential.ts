// Differential testing against the reference implementation: both sides as a comparable
// `{ value }` (JSON-normalised, undefined as null) or `{ code }` (the error code).
import jsonata from 'jsonata';
import { compileExpression, ExpressionError } from '../../src/index.js';

export async function reference(source: string, input: unknown): Promise<unknown> {
  try {
    return { value: JSON.parse(JSON.stringify((await jsonata(source).evaluate(input)) ?? null)) };
  } catch (error) {
    return { code: (error as { code?: string }).code };
  }
}

export function ours(source: string, input: unknown): unknown {
  try {
    return { value: JSON.parse(JSON.stringify(compileExpression(source).evaluate(input) ?? null)) };
  } catch (error) {
    if (!ExpressionError.is(error)) throw error;
    return { code: error.code };
  }
}
