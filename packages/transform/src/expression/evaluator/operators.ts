// Operators: arithmetic, comparison, equality, `&`, `and`/`or`, `in`, ranges, unary minus.
import type { Node } from '../syntax/ast.js';
import { expressionError } from '../messages.js';
import type { Frame } from './environment.js';
import type { Evaluator } from './function-values.js';
import { createSequence } from './sequence.js';
import { deepEqual, isNumeric, order, stringify, toBoolean } from './values.js';

/** The reference's fixed cap on one range, whatever the configured limits. */
const MAX_RANGE = 1e7;

export function compileBinary(node: Node, lhs: Evaluator, rhs: Evaluator): Evaluator {
  const op = node.value as string;
  const position = node.position;
  const fail = (error: unknown): never => {
    const details = (error as { details?: { position?: number; token?: string } }).details;
    if (details && typeof details === 'object') {
      details.position = position;
      details.token = op;
    }
    throw error;
  };
  switch (op) {
    case 'and':
      return (input, frame) => truthy(lhs(input, frame)) && truthy(rhs(input, frame));
    case 'or':
      return (input, frame) => truthy(lhs(input, frame)) || truthy(rhs(input, frame));
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        try {
          return arithmetic(op, l, r);
        } catch (error) {
          return fail(error);
        }
      };
    case '=':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        return l !== undefined && r !== undefined && deepEqual(l, r);
      };
    case '!=':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        return l !== undefined && r !== undefined && !deepEqual(l, r);
      };
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        try {
          return compare(op, l, r);
        } catch (error) {
          return fail(error);
        }
      };
    case '&':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        try {
          const text =
            (l === undefined ? '' : (stringify(l) as string)) +
            (r === undefined ? '' : (stringify(r) as string));
          frame.state.charge(text.length);
          return text;
        } catch (error) {
          return fail(error);
        }
      };
    case '..':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        try {
          return range(l, r, frame);
        } catch (error) {
          return fail(error);
        }
      };
    case 'in':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        if (l === undefined || r === undefined) return false;
        return Array.isArray(r) ? r.includes(l) : r === l;
      };
    default:
      throw expressionError('S0201', { position, token: op });
  }
}

function truthy(value: unknown): boolean {
  return toBoolean(value) === true;
}

function arithmetic(op: string, l: unknown, r: unknown): number | undefined {
  if (l !== undefined && !isNumeric(l)) throw expressionError('T2001', { value: l });
  if (r !== undefined && !isNumeric(r)) throw expressionError('T2002', { value: r });
  if (l === undefined || r === undefined) return undefined;
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    default:
      return l % r;
  }
}

function compare(op: string, l: unknown, r: unknown): boolean | undefined {
  const lt = typeof l;
  const rt = typeof r;
  const lok = lt === 'undefined' || lt === 'string' || lt === 'number';
  const rok = rt === 'undefined' || rt === 'string' || rt === 'number';
  if (!lok || !rok)
    throw expressionError('T2010', { value: !(lt === 'string' || lt === 'number') ? l : r });
  if (l === undefined || r === undefined) return undefined;
  if (lt !== rt) throw expressionError('T2009', { value: l, value2: r });
  const a = l as number;
  const b = r as number;
  return order(op, a, b);
}

function range(l: unknown, r: unknown, frame: Frame): unknown[] | undefined {
  if (l !== undefined && !Number.isInteger(l)) throw expressionError('T2003', { value: l });
  if (r !== undefined && !Number.isInteger(r)) throw expressionError('T2004', { value: r });
  if (l === undefined || r === undefined) return undefined;
  const from = l as number;
  const to = r as number;
  if (from > to) return undefined;
  const size = to - from + 1;
  if (size > MAX_RANGE) throw expressionError('D2014', { value: size });
  frame.state.charge(size);
  const result = createSequence<number>();
  for (let item = from; item <= to; item++) result.push(item);
  return result;
}

export function compileNegation(node: Node, operand: Evaluator): Evaluator {
  return (input, frame) => {
    const value = operand(input, frame);
    if (value === undefined) return undefined;
    if (isNumeric(value)) return -value;
    throw expressionError('D1002', { position: node.position, token: '-', value });
  };
}
