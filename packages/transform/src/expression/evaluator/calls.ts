// Function calls, partial application, lambdas (with tail calls), `~>` chaining and the
// transform operator `| pattern | update, delete |`.
import { isFunctionValue, type NativeFunction } from '../contract.js';
import { parseSignature, STANDARD_FUNCTIONS, type ParsedSignature } from '../functions/index.js';
import { expressionError } from '../messages.js';
import type { Node } from '../syntax/ast.js';
import { compileFusedAggregate, isLibraryFunction, type FusedAggregate } from './aggregates.js';
import { compile } from './compile.js';
import type { Frame } from './environment.js';
import {
  apply,
  callContext,
  makeFunction,
  makeTailCall,
  nativeValue,
  locate,
  type Evaluator,
  type FunctionValue,
} from './function-values.js';
import { normalize } from './sequence.js';
import { UNDECIDED } from './shortcuts.js';
import { isPlainObject, keysOf } from './values.js';

/** The name a call is reported under: `$substring(...)` → "substring". */
function procedureName(procedure: Node): string | undefined {
  if (procedure.type === 'path') return String(procedure.steps?.[0]?.value);
  return typeof procedure.value === 'string' ? procedure.value : undefined;
}

/** T1005/T1007: `substring(...)` where `$substring` exists — the `$` was forgotten. */
function forgotDollar(procedure: Node, frame: Frame): string | undefined {
  if (procedure.type !== 'path') return undefined;
  const name = String(procedure.steps?.[0]?.value);
  return frame.lookup(name) !== undefined ? name : undefined;
}

/**
 * `$name` as a callee: the variable read without a node of its own (it is a leaf), normalized
 * as the general evaluation would.
 */
function compileProcedure(node: Node): Evaluator {
  const plain =
    node.type === 'variable' &&
    node.value !== '' &&
    !node.predicate &&
    !node.group &&
    !node.keepArray &&
    !node.stages;
  if (!plain) return compile(node);
  const name = String(node.value);
  return (_input, frame) => normalize(frame.lookup(name), false);
}

export function compileCall(node: Node, applyTo?: Evaluator): Evaluator {
  const procedureNode = node.procedure as Node;
  const procedure = compileProcedure(procedureNode);
  const args = (node.arguments ?? []).map(compile);
  const name = procedureName(procedureNode);
  const position = node.position;
  const call = (fn: unknown, input: unknown, frame: Frame): unknown => {
    if (fn === undefined) {
      const token = forgotDollar(procedureNode, frame);
      if (token !== undefined) throw expressionError('T1005', { position, token });
    }
    const values: unknown[] = [];
    if (applyTo) values.push(applyTo(input, frame));
    for (let i = 0; i < args.length; i++) values.push((args[i] as Evaluator)(input, frame));
    try {
      return apply(fn, values, input, frame, name);
    } catch (error) {
      throw locate(error, position, name);
    }
  };
  const site = librarySite(node, applyTo === undefined);
  if (site === undefined) return (input, frame) => call(procedure(input, frame), input, frame);
  const { library, signature, fused } = site;
  const label = name ?? library.name;
  return (input, frame) => {
    const fn = procedure(input, frame);
    // only the library's own function: `$sum` may be rebound in a block or registered over
    if (!isLibraryFunction(fn, library)) return call(fn, input, frame);
    if (fused !== undefined) {
      const result = fused.run(input, frame);
      if (result !== UNDECIDED) return result;
    }
    // what `apply` does for a library function, with this call site's own signature memo
    const values: unknown[] = [];
    for (let i = 0; i < args.length; i++) values.push((args[i] as Evaluator)(input, frame));
    try {
      const validated =
        signature === undefined ? values : signature.validate(values, input, label, true);
      return library.implementation(validated, callContext(frame, input));
    } catch (error) {
      throw locate(error, position, name);
    }
  };
}

interface LibrarySite {
  readonly library: NativeFunction;
  readonly signature: ParsedSignature | undefined;
  readonly fused: FusedAggregate | undefined;
}

/** `$name(...)` where `name` is a library function: what the call specialises to, if it resolves there. */
function librarySite(node: Node, plainCall: boolean): LibrarySite | undefined {
  const procedure = node.procedure as Node;
  if (!plainCall || procedure.type !== 'variable' || procedure.value === '') return undefined;
  if (procedure.predicate || procedure.group || procedure.keepArray || procedure.stages)
    return undefined;
  const library = STANDARD_FUNCTIONS.get(String(procedure.value));
  if (library === undefined) return undefined;
  return {
    library,
    signature: library.signature === undefined ? undefined : parseSignature(library.signature),
    fused: compileFusedAggregate(node),
  };
}

export function compilePartial(node: Node): Evaluator {
  const procedureNode = node.procedure as Node;
  const procedure = compile(procedureNode);
  const argNodes = node.arguments ?? [];
  const holes: number[] = [];
  const args = argNodes.map((arg, index) => {
    if (arg.type === 'operator' && arg.value === '?') {
      holes.push(index);
      return undefined;
    }
    return compile(arg);
  });
  const position = node.position;
  return (input, frame) => {
    const values = args.map((arg) => (arg === undefined ? undefined : arg(input, frame)));
    const fn = procedure(input, frame);
    if (fn === undefined) {
      const token = forgotDollar(procedureNode, frame);
      if (token !== undefined) throw expressionError('T1007', { position, token });
    }
    if (!isFunctionValue(fn))
      throw expressionError('T1008', { position, token: procedureName(procedureNode) });
    return makeFunction({ kind: 'partial', target: fn as FunctionValue, args: values, holes });
  };
}

export function compileLambda(node: Node): Evaluator {
  const body = node.body as Node;
  if (node.thunk) {
    // a call in tail position: hand it to the trampoline instead of growing the stack
    const procedure = compile(body.procedure as Node);
    const args = (body.arguments ?? []).map(compile);
    const name = procedureName(body.procedure as Node);
    return (input, frame) =>
      makeTailCall({ procedure, args, input, frame, name, position: body.position });
  }
  const params = (node.arguments ?? []).map((param) => String(param.value));
  const compiledBody = compile(body);
  const signature = node.signature;
  return (input, frame) =>
    makeFunction({ kind: 'lambda', params, body: compiledBody, frame, input, signature });
}

export function compileApply(node: Node): Evaluator {
  const lhs = compile(node.lhs as Node);
  const rhsNode = node.rhs as Node;
  if (rhsNode.type === 'function') return compileCall(rhsNode, lhs);
  const rhs = compile(rhsNode);
  return (input, frame) => {
    const value = lhs(input, frame);
    const fn = rhs(input, frame);
    if (!isFunctionValue(fn))
      throw expressionError('T2006', { position: node.position, value: fn });
    if (isFunctionValue(value)) {
      return makeFunction({
        kind: 'chain',
        first: value as FunctionValue,
        second: fn as FunctionValue,
      });
    }
    return apply(fn, [value], input, frame);
  };
}

export function compileTransform(node: Node): Evaluator {
  const pattern = compile(node.pattern as Node);
  const update = compile(node.update as Node);
  const deletion = node.delete ? compile(node.delete) : undefined;
  const updatePosition = (node.update as Node).position;
  const deletePosition = node.delete?.position;
  return (_input, frame) =>
    nativeValue({
      name: 'transform',
      signature: '<(oa):o>',
      implementation: ([subject]) => {
        if (subject === undefined) return undefined;
        const clone = frame.lookup('clone');
        if (!isFunctionValue(clone)) throw expressionError('T2013', { position: node.position });
        const result = apply(clone, [subject], undefined, frame);
        let matches = pattern(result, frame);
        if (matches === undefined) return result;
        if (!Array.isArray(matches)) matches = [matches];
        for (const match of matches as unknown[]) {
          const changes = update(match, frame);
          if (changes !== undefined) {
            if (!isPlainObject(changes))
              throw expressionError('T2011', { position: updatePosition, value: changes });
            // defineProperty, not assignment: a key such as "__proto__" stays an ordinary key
            if (isPlainObject(match)) {
              for (const key of keysOf(changes)) {
                Object.defineProperty(match, key, {
                  value: changes[key],
                  writable: true,
                  enumerable: true,
                  configurable: true,
                });
              }
            }
          }
          if (deletion) {
            const removals = deletion(match, frame);
            if (removals === undefined) continue;
            const keys = Array.isArray(removals) ? removals : [removals];
            if (!keys.every((key) => typeof key === 'string')) {
              throw expressionError('T2012', { position: deletePosition, value: removals });
            }
            if (isPlainObject(match)) for (const key of keys as string[]) delete match[key];
          }
        }
        return result;
      },
    });
}
