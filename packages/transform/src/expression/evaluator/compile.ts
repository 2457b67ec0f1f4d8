// Compiles a syntax tree into closures once; evaluation then only calls them. Every node is
// wrapped to charge the depth and time limits, apply its predicates and grouping, and turn
// sequences into values the way the reference's evaluate() does.
import { brandFunction } from '../contract.js';
import { expressionError } from '../messages.js';
import { compileRegex } from '../regex/index.js';
import type { Node } from '../syntax/ast.js';
import type { RegexLiteral } from '../syntax/tokenizer.js';
import {
  compileApply,
  compileCall,
  compileLambda,
  compilePartial,
  compileTransform,
} from './calls.js';
import { compileArray, compileGroup } from './constructors.js';
import { Frame } from './environment.js';
import type { Evaluator } from './function-values.js';
import { compileBinary, compileNegation } from './operators.js';
import { compileFilter, compilePath, evaluateDescendants, evaluateWildcard } from './paths.js';
import { isSequence, normalize } from './sequence.js';
import { plainNames, readName, readNames, UNDECIDED } from './shortcuts.js';
import { lookup, toBoolean } from './values.js';

const CONSTANTS = new Set(['string', 'number', 'value']);
/** Node kinds whose own result is never a sequence (their operands are normalized already). */
const NEVER_SEQUENCES = new Set([
  'binary',
  'unary-',
  'unary{',
  'unary[',
  'condition',
  'block',
  'bind',
  'lambda',
  'partial',
  'regex',
  'transform',
]);

function kindOf(node: Node): string {
  if (node.type === 'unary') return `unary${String(node.value)}`;
  // a range builds a sequence
  if (node.type === 'binary' && node.value === '..') return 'range';
  return node.type;
}

export function compile(node: Node): Evaluator {
  const core = compileNode(node);
  const predicates = node.predicate?.map((stage) => compileFilter(stage.expr as Node));
  const group = node.type !== 'path' && node.group ? compileGroup(node.group) : undefined;
  const keepArray = node.keepArray === true;
  if (CONSTANTS.has(node.type) && !predicates && !group) return core;
  const names = !predicates && !keepArray ? fieldPath(node) : undefined;
  if (names !== undefined) {
    // `a.b.c` over objects: read directly (a leaf, so no depth to charge, only time);
    // the general evaluation, wrapped as below, when an array shows up
    const general = wrap(core, undefined, undefined, false);
    if (names.length === 1) {
      const name = names[0] as string;
      return (input, frame) => {
        const value = readName(input, name);
        if (value === UNDECIDED) return general(input, frame);
        frame.state.tick();
        return value;
      };
    }
    return (input, frame) => {
      const value = readNames(input, names);
      if (value === UNDECIDED) return general(input, frame);
      frame.state.tick();
      return value;
    };
  }
  return wrap(core, predicates, group, keepArray, node);
}

function fieldPath(node: Node): string[] | undefined {
  if (node.type !== 'path' || node.keepSingletonArray || node.group || node.tuple) return undefined;
  return plainNames(node.steps ?? []);
}

function wrap(
  core: Evaluator,
  predicates: Array<(input: unknown, frame: Frame) => unknown> | undefined,
  group: ((input: unknown, frame: Frame) => unknown) | undefined,
  keepArray: boolean,
  node?: Node,
): Evaluator {
  if (node && !predicates && !group && !keepArray && NEVER_SEQUENCES.has(kindOf(node))) {
    // results that can never be sequences need no normalizing, only the depth and time charge
    return (input, frame) => {
      const state = frame.state;
      state.enter();
      const result = core(input, frame);
      state.depth--;
      return result;
    };
  }
  return (input, frame) => {
    const state = frame.state;
    state.enter();
    let result = core(input, frame);
    if (predicates) for (const predicate of predicates) result = predicate(result, frame);
    if (group) result = group(result, frame);
    state.depth--;
    return normalize(result, keepArray);
  };
}

function compileNode(node: Node): Evaluator {
  switch (node.type) {
    case 'path':
      return compilePath(node);
    case 'binary':
      return compileBinary(node, compile(node.lhs as Node), compile(node.rhs as Node));
    case 'unary':
      if (node.value === '-') return compileNegation(node, compile(node.expression as Node));
      if (node.value === '[') return compileArray(node);
      return compileGroup({ pairs: node.pairs ?? [], position: node.position });
    case 'name': {
      const name = String(node.value);
      return (input) => lookup(input, name);
    }
    case 'string':
    case 'number':
    case 'value': {
      const value = node.value;
      return () => value;
    }
    case 'wildcard':
      return (input) => evaluateWildcard(input);
    case 'descendant':
      return (input, frame) => evaluateDescendants(input, frame);
    case 'parent': {
      const label = node.slot?.label as string;
      return (_input, frame) => frame.lookup(label);
    }
    case 'condition':
      return compileCondition(node);
    case 'block':
      return compileBlock(node);
    case 'bind': {
      const name = String((node.lhs as Node).value);
      const value = compile(node.rhs as Node);
      return (input, frame) => {
        const result = value(input, frame);
        frame.bind(name, result);
        return result;
      };
    }
    case 'regex': {
      const literal = node.value as RegexLiteral;
      compileRegex(literal.source, literal.flags, node.position);
      const value = brandFunction({ kind: 'regex', source: literal.source, flags: literal.flags });
      return () => value;
    }
    case 'function':
      return compileCall(node);
    case 'partial':
      return compilePartial(node);
    case 'variable':
      return compileVariable(String(node.value));
    case 'lambda':
      return compileLambda(node);
    case 'apply':
      return compileApply(node);
    case 'transform':
      return compileTransform(node);
    default:
      throw expressionError('S0206', { position: node.position, token: node.type });
  }
}

function compileVariable(name: string): Evaluator {
  if (name === '') {
    return (input) =>
      Array.isArray(input) && isSequence(input) && input.outerWrapper ? input[0] : input;
  }
  return (_input, frame) => frame.lookup(name);
}

function compileCondition(node: Node): Evaluator {
  const condition = compile(node.condition as Node);
  const then = compile(node.then as Node);
  const otherwise = node.else ? compile(node.else) : undefined;
  return (input, frame) => {
    if (toBoolean(condition(input, frame))) return then(input, frame);
    return otherwise ? otherwise(input, frame) : undefined;
  };
}

/** True when a `:=` appears anywhere below (conservative: nested scopes count too). */
function assigns(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(assigns);
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Node).type === 'bind') return true;
  return Object.values(value).some(assigns);
}

function compileBlock(node: Node): Evaluator {
  const expressions = (node.expressions ?? []).map(compile);
  if (!assigns(node.expressions)) {
    // nothing is assigned, so the block needs no scope of its own (one per item in `a.(...)`)
    return (input, frame) => {
      let result: unknown;
      for (let i = 0; i < expressions.length; i++)
        result = (expressions[i] as Evaluator)(input, frame);
      return result;
    };
  }
  return (input, frame) => {
    const scope = Frame.child(frame);
    let result: unknown;
    for (const expression of expressions) result = expression(input, scope);
    return result;
  };
}
