// The reference's error catalogue for the codes the core raises, so messages read the same.
// Values are quoted short (at most 40 characters): errors are shown to people and logged, and
// must not carry record data beyond the offending token.
import { ExpressionError } from './contract.js';

const MESSAGES: Readonly<Record<string, string>> = {
  S0101: 'String literal must be terminated by a matching quote',
  S0102: 'Number out of range: {{token}}',
  S0103: 'Unsupported escape sequence: \\{{token}}',
  S0104: 'The escape sequence \\u must be followed by 4 hex digits',
  S0105: 'Quoted property name must be terminated with a backquote (`)',
  S0106: 'Comment has no closing tag',
  S0201: 'Syntax error: {{token}}',
  S0202: 'Expected {{value}}, got {{token}}',
  S0203: 'Expected {{value}} before end of expression',
  S0204: 'Unknown operator: {{token}}',
  S0205: 'Unexpected token: {{token}}',
  S0206: 'Unknown expression type: {{token}}',
  S0207: 'Unexpected end of expression',
  S0208: 'Parameter {{value}} of function definition must be a variable name (start with $)',
  S0209: 'A predicate cannot follow a grouping expression in a step',
  S0210: 'Each step can only have one grouping expression',
  S0211: 'The symbol {{token}} cannot be used as a unary operator',
  S0212: 'The left side of := must be a variable name (start with $)',
  S0213: 'The literal value {{value}} cannot be used as a step within a path expression',
  S0214: 'The right side of {{token}} must be a variable name (start with $)',
  S0215: 'A context variable binding must precede any predicates on a step',
  S0216: "A context variable binding must precede the 'order-by' clause on a step",
  S0217: "The object representing the 'parent' cannot be derived from this expression",
  S0301: 'Empty regular expressions are not allowed',
  S0302: 'No terminating / in regular expression',
  S0303: 'Unsupported or invalid regular expression: {{value}}',
  D1001: 'Number out of range: {{value}}',
  D1002: 'Cannot negate a non-numeric value: {{value}}',
  T1003: 'Key in object structure must evaluate to a string; got: {{value}}',
  D1004: 'Regular expression matches zero length string',
  T1005: 'Attempted to invoke a non-function. Did you mean ${{token}}?',
  T1006: 'Attempted to invoke a non-function',
  T1007: 'Attempted to partially apply a non-function. Did you mean ${{token}}?',
  T1008: 'Attempted to partially apply a non-function',
  D1009: 'Multiple key definitions evaluate to same key: {{value}}',
  T2001: 'The left side of the {{token}} operator must evaluate to a number',
  T2002: 'The right side of the {{token}} operator must evaluate to a number',
  T2003: 'The left side of the range operator (..) must evaluate to an integer',
  T2004: 'The right side of the range operator (..) must evaluate to an integer',
  T2006: 'The right side of the function application operator ~> must be a function',
  T2007: 'Type mismatch when comparing values {{value}} and {{value2}} in order-by clause',
  T2008: 'The expressions within an order-by clause must evaluate to numeric or string values',
  T2009:
    'The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type',
  T2010:
    'The expressions either side of operator {{token}} must evaluate to numeric or string values',
  T2011:
    'The insert/update clause of the transform expression must evaluate to an object: {{value}}',
  T2012:
    'The delete clause of the transform expression must evaluate to a string or array of strings: {{value}}',
  T2013:
    'The transform expression clones the input object using the $clone() function.  This has been overridden in the current scope by a non-function.',
  D2014:
    'The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {{value}}.',
  D3001: 'Attempting to invoke string function on Infinity or NaN',
  D3120: 'Syntax error in expression passed to function eval: {{value}}',
  D3121: 'Dynamic error evaluating the expression passed to function eval: {{value}}',
  // Limits: U1001 is what the conformance suite expects for both runaway recursion and timeouts.
  'U1001.depth':
    'Stack overflow: evaluation nested deeper than {{value}}. Check for non-terminating recursion; consider rewriting as tail-recursive',
  'U1001.time': 'Evaluation timeout after {{value}} milliseconds. Check for an infinite loop',
  U1002: 'Output size limit of {{value}} exceeded (a string, array or sequence grew too large)',
};

export interface ErrorDetails {
  position?: number;
  token?: string;
  value?: unknown;
  value2?: unknown;
  index?: number;
}

/** A short, one-line rendering of a value for a message. */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  } catch {
    text = '(value)';
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function messageFor(code: string, details: ErrorDetails): string {
  const template = MESSAGES[code];
  if (template === undefined) return code;
  return template.replace(/\{\{(\w+)\}\}/g, (_all, field: string) => {
    if (field === 'token') return details.token ?? '';
    if (field === 'value')
      return typeof details.value === 'number' && code.startsWith('U1')
        ? String(details.value)
        : quote(details.value);
    if (field === 'value2') return quote(details.value2);
    return '';
  });
}

/** Builds an ExpressionError with the catalogue message. */
export function expressionError(code: string, details: ErrorDetails = {}): ExpressionError {
  const { value2: _value2, ...rest } = details;
  return new ExpressionError(code, messageFor(code, details), rest);
}

export const syntaxError = expressionError;

/** The error for an exceeded evaluation limit. */
export function limitError(limit: 'depth' | 'time' | 'size', value: number): ExpressionError {
  if (limit === 'size')
    return new ExpressionError('U1002', messageFor('U1002', { value }), { value });
  return new ExpressionError('U1001', messageFor(`U1001.${limit}`, { value }), { value });
}
