// The post-parse pass: flattens `.` chains into paths of steps, attaches predicates as
// stages, resolves group-by, order-by, focus (`@`) and index (`#`) bindings, and works out
// which step each parent (`%`) reference binds to. A port of the reference's processAST so
// that evaluation semantics match it exactly.
import { syntaxError } from '../messages.js';
import type { Node, Slot } from './ast.js';

export function processAst(tree: Node): Node {
  let ancestorLabel = 0;
  let ancestorIndex = 0;
  const ancestry: Node[] = [];

  const seekParent = (node: Node, slot: Slot): Slot => {
    switch (node.type) {
      case 'name':
      case 'wildcard':
        slot.level--;
        if (slot.level === 0) {
          if (node.ancestor !== undefined) {
            // reuse the existing label
            const existing = ancestry[slot.index]?.slot;
            if (existing) existing.label = node.ancestor.label;
          }
          node.ancestor = slot;
          node.tuple = true;
        }
        break;
      case 'parent':
        slot.level++;
        break;
      case 'block': {
        const expressions = node.expressions ?? [];
        const last = expressions[expressions.length - 1];
        if (last) {
          node.tuple = true;
          slot = seekParent(last, slot);
        }
        break;
      }
      case 'path': {
        node.tuple = true;
        const steps = node.steps ?? [];
        let index = steps.length - 1;
        slot = seekParent(steps[index--] as Node, slot);
        while (slot.level > 0 && index >= 0) slot = seekParent(steps[index--] as Node, slot);
        break;
      }
      default:
        throw syntaxError('S0217', { position: node.position, token: node.type });
    }
    return slot;
  };

  const pushAncestry = (result: Node, value: Node): void => {
    if (value.seekingParent !== undefined || value.type === 'parent') {
      const slots = value.seekingParent ?? [];
      if (value.type === 'parent' && value.slot) slots.push(value.slot);
      if (result.seekingParent === undefined) result.seekingParent = slots;
      else result.seekingParent.push(...slots);
    }
  };

  const resolveAncestry = (path: Node): void => {
    const steps = path.steps ?? [];
    const lastStep = steps[steps.length - 1] as Node;
    const slots = lastStep.seekingParent ?? [];
    if (lastStep.type === 'parent' && lastStep.slot) slots.push(lastStep.slot);
    for (let slot of slots) {
      let index = steps.length - 2;
      while (slot.level > 0) {
        if (index < 0) {
          if (path.seekingParent === undefined) path.seekingParent = [slot];
          else path.seekingParent.push(slot);
          break;
        }
        let step = steps[index--] as Node;
        // contiguous steps that bind the focus are skipped together
        while (index >= 0 && step.focus && steps[index]?.focus) step = steps[index--] as Node;
        slot = seekParent(step, slot);
      }
    }
  };

  const tailCallOptimize = (expr: Node): Node => {
    if (expr.type === 'function' && !expr.predicate) {
      return { type: 'lambda', thunk: true, arguments: [], position: expr.position, body: expr };
    }
    if (expr.type === 'condition') {
      expr.then = tailCallOptimize(expr.then as Node);
      if (expr.else !== undefined) expr.else = tailCallOptimize(expr.else);
    } else if (expr.type === 'block') {
      const expressions = expr.expressions ?? [];
      const last = expressions.length - 1;
      if (last >= 0) expressions[last] = tailCallOptimize(expressions[last] as Node);
    }
    return expr;
  };

  const processBinary = (expr: Node): Node => {
    let result: Node;
    switch (expr.value) {
      case '.': {
        const lstep = process(expr.lhs as Node);
        result =
          lstep.type === 'path'
            ? lstep
            : { type: 'path', steps: [lstep], position: lstep.position };
        if (lstep.type === 'parent' && lstep.slot) result.seekingParent = [lstep.slot];
        const steps = result.steps as Node[];
        const rest = process(expr.rhs as Node);
        if (rest.type === 'path') {
          steps.push(...(rest.steps as Node[]));
        } else {
          if (rest.predicate !== undefined) {
            rest.stages = rest.predicate;
            delete rest.predicate;
          }
          steps.push(rest);
        }
        for (const step of steps) {
          if (step.type === 'number' || step.type === 'value') {
            throw syntaxError('S0213', { position: step.position, value: step.value });
          }
          if (step.type === 'string') step.type = 'name';
        }
        if (steps.some((step) => step.keepArray === true)) result.keepSingletonArray = true;
        const first = steps[0] as Node;
        if (first.type === 'unary' && first.value === '[') first.consarray = true;
        const last = steps[steps.length - 1] as Node;
        if (last.type === 'unary' && last.value === '[') last.consarray = true;
        resolveAncestry(result);
        return result;
      }
      case '[': {
        result = process(expr.lhs as Node);
        let step = result;
        let kind: 'predicate' | 'stages' = 'predicate';
        if (result.type === 'path') {
          const steps = result.steps as Node[];
          step = steps[steps.length - 1] as Node;
          kind = 'stages';
        }
        if (step.group !== undefined) throw syntaxError('S0209', { position: expr.position });
        const predicate = process(expr.rhs as Node);
        if (predicate.seekingParent !== undefined) {
          for (const slot of predicate.seekingParent) {
            if (slot.level === 1) seekParent(step, slot);
            else slot.level--;
          }
          pushAncestry(step, predicate);
        }
        const stages = (step[kind] ??= []);
        stages.push({ type: 'filter', expr: predicate, position: expr.position });
        return result;
      }
      case '{': {
        result = process(expr.lhs as Node);
        if (result.group !== undefined) throw syntaxError('S0210', { position: expr.position });
        result.group = {
          pairs: (expr.pairs ?? []).map(([k, v]) => [process(k), process(v)] as [Node, Node]),
          position: expr.position,
        };
        return result;
      }
      case '^': {
        result = process(expr.lhs as Node);
        if (result.type !== 'path')
          result = { type: 'path', steps: [result], position: result.position };
        const sortStep: Node = { type: 'sort', position: expr.position };
        sortStep.terms = (expr.terms ?? []).map((term) => {
          const expression = process(term.expression);
          pushAncestry(sortStep, expression);
          return { descending: term.descending, expression };
        });
        (result.steps as Node[]).push(sortStep);
        resolveAncestry(result);
        return result;
      }
      case ':=': {
        result = { type: 'bind', value: expr.value, position: expr.position };
        result.lhs = process(expr.lhs as Node);
        result.rhs = process(expr.rhs as Node);
        pushAncestry(result, result.rhs);
        return result;
      }
      case '@': {
        result = process(expr.lhs as Node);
        let step = result;
        if (result.type === 'path') {
          const steps = result.steps as Node[];
          step = steps[steps.length - 1] as Node;
        }
        if (step.stages !== undefined || step.predicate !== undefined) {
          throw syntaxError('S0215', { position: expr.position });
        }
        if (step.type === 'sort') throw syntaxError('S0216', { position: expr.position });
        if (expr.keepArray) step.keepArray = true;
        step.focus = String((expr.rhs as Node).value);
        step.tuple = true;
        return result;
      }
      case '#': {
        result = process(expr.lhs as Node);
        let step = result;
        if (result.type === 'path') {
          const steps = result.steps as Node[];
          step = steps[steps.length - 1] as Node;
        } else {
          result = { type: 'path', steps: [result], position: result.position };
          if (step.predicate !== undefined) {
            step.stages = step.predicate;
            delete step.predicate;
          }
        }
        const name = String((expr.rhs as Node).value);
        if (step.stages === undefined) step.index = name;
        else step.stages.push({ type: 'index', value: name, position: expr.position });
        step.tuple = true;
        return result;
      }
      case '~>': {
        result = { type: 'apply', value: expr.value, position: expr.position };
        result.lhs = process(expr.lhs as Node);
        result.rhs = process(expr.rhs as Node);
        result.keepArray = result.lhs.keepArray || result.rhs.keepArray;
        return result;
      }
      default: {
        result = { type: expr.type, value: expr.value, position: expr.position };
        result.lhs = process(expr.lhs as Node);
        result.rhs = process(expr.rhs as Node);
        pushAncestry(result, result.lhs);
        pushAncestry(result, result.rhs);
        return result;
      }
    }
  };

  const processUnary = (expr: Node): Node => {
    let result: Node = { type: expr.type, value: expr.value, position: expr.position };
    if (expr.value === '[') {
      result.expressions = (expr.expressions ?? []).map((item) => {
        const value = process(item);
        pushAncestry(result, value);
        return value;
      });
    } else if (expr.value === '{') {
      result.pairs = (expr.pairs ?? []).map(([k, v]) => {
        const key = process(k);
        pushAncestry(result, key);
        const value = process(v);
        pushAncestry(result, value);
        return [key, value] as [Node, Node];
      });
    } else {
      result.expression = process(expr.expression as Node);
      if (expr.value === '-' && result.expression.type === 'number') {
        result = result.expression;
        result.value = -(result.value as number);
      } else {
        pushAncestry(result, result.expression);
      }
    }
    return result;
  };

  const process = (expr: Node): Node => {
    let result: Node;
    switch (expr.type) {
      case 'binary':
        result = processBinary(expr);
        break;
      case 'unary':
        result = processUnary(expr);
        break;
      case 'function':
      case 'partial': {
        const call: Node = { type: expr.type, value: expr.value, position: expr.position };
        call.arguments = (expr.arguments ?? []).map((arg) => {
          const processed = process(arg);
          pushAncestry(call, processed);
          return processed;
        });
        call.procedure = process(expr.procedure as Node);
        result = call;
        break;
      }
      case 'lambda':
        result = {
          type: 'lambda',
          arguments: expr.arguments,
          signature: expr.signature,
          position: expr.position,
          body: tailCallOptimize(process(expr.body as Node)),
        };
        break;
      case 'condition': {
        const cond: Node = { type: 'condition', position: expr.position };
        cond.condition = process(expr.condition as Node);
        pushAncestry(cond, cond.condition);
        cond.then = process(expr.then as Node);
        pushAncestry(cond, cond.then);
        if (expr.else !== undefined) {
          cond.else = process(expr.else);
          pushAncestry(cond, cond.else);
        }
        result = cond;
        break;
      }
      case 'transform':
        result = { type: 'transform', position: expr.position };
        result.pattern = process(expr.pattern as Node);
        result.update = process(expr.update as Node);
        if (expr.delete !== undefined) result.delete = process(expr.delete);
        break;
      case 'block': {
        const block: Node = { type: 'block', position: expr.position };
        block.expressions = (expr.expressions ?? []).map((item) => {
          const part = process(item);
          pushAncestry(block, part);
          if (part.consarray || (part.type === 'path' && part.steps?.[0]?.consarray))
            block.consarray = true;
          return part;
        });
        result = block;
        break;
      }
      case 'name':
        result = { type: 'path', steps: [expr], position: expr.position };
        if (expr.keepArray) result.keepSingletonArray = true;
        break;
      case 'parent':
        result = {
          type: 'parent',
          position: expr.position,
          slot: { label: `!${ancestorLabel++}`, level: 1, index: ancestorIndex++ },
        };
        ancestry.push(result);
        break;
      case 'string':
      case 'number':
      case 'value':
      case 'wildcard':
      case 'descendant':
      case 'variable':
      case 'regex':
        result = expr;
        break;
      case 'operator':
        // `and`, `or` and `in` may be field names; `?` is a partial-application placeholder
        if (expr.value === 'and' || expr.value === 'or' || expr.value === 'in') {
          expr.type = 'name';
          result = process(expr);
        } else if (expr.value === '?') {
          result = expr;
        } else {
          throw syntaxError('S0201', { position: expr.position, token: String(expr.value) });
        }
        break;
      default:
        throw syntaxError(expr.id === '(end)' ? 'S0207' : 'S0206', {
          position: expr.position,
          token: String(expr.value),
        });
    }
    if (expr.keepArray) result.keepArray = true;
    return result;
  };

  const result = process(tree);
  if (result.type === 'parent' || result.seekingParent !== undefined) {
    throw syntaxError('S0217', { position: result.position, token: result.type });
  }
  return result;
}
