// Compiles a parsed pattern to instructions for the Pike VM in vm.ts.
import { PatternError, type CharRanges, type RegexNode } from './pattern.js';

export type Instruction =
  | { op: 'char'; codes: readonly number[] }
  | { op: 'any' }
  | { op: 'class'; ranges: CharRanges; negated: boolean }
  | { op: 'split'; first: number; second: number }
  | { op: 'jump'; to: number }
  | { op: 'save'; slot: number }
  | { op: 'assert'; what: 'bol' | 'eol' | 'word' | 'not-word' }
  | { op: 'match' };

/** Programs larger than this are refused (counted repetition multiplies a pattern's size). */
const MAX_INSTRUCTIONS = 20000;

export interface Program {
  readonly instructions: readonly Instruction[];
  readonly groups: number;
  readonly ignoreCase: boolean;
  readonly multiline: boolean;
}

function caseVariants(code: number): number[] {
  const ch = String.fromCharCode(code);
  const variants = new Set([code, ch.toLowerCase().charCodeAt(0), ch.toUpperCase().charCodeAt(0)]);
  return [...variants];
}

export function compileProgram(root: RegexNode, groups: number, flags: string): Program {
  const ignoreCase = flags.includes('i');
  const code: Instruction[] = [];
  const emit = (instruction: Instruction): number => {
    if (code.length >= MAX_INSTRUCTIONS) throw new PatternError('pattern too large');
    code.push(instruction);
    return code.length - 1;
  };

  const gen = (node: RegexNode): void => {
    switch (node.kind) {
      case 'empty':
        return;
      case 'char':
        emit({ op: 'char', codes: ignoreCase ? caseVariants(node.code) : [node.code] });
        return;
      case 'any':
        emit({ op: 'any' });
        return;
      case 'class':
        emit({ op: 'class', ranges: node.ranges, negated: node.negated });
        return;
      case 'assert':
        emit({ op: 'assert', what: node.what });
        return;
      case 'group':
        if (node.capture !== undefined) emit({ op: 'save', slot: node.capture * 2 });
        gen(node.body);
        if (node.capture !== undefined) emit({ op: 'save', slot: node.capture * 2 + 1 });
        return;
      case 'concat':
        for (const item of node.items) gen(item);
        return;
      case 'alternate': {
        const jumps: number[] = [];
        node.options.forEach((option, index) => {
          if (index < node.options.length - 1) {
            const split = emit({ op: 'split', first: 0, second: 0 });
            (code[split] as { first: number }).first = code.length;
            gen(option);
            jumps.push(emit({ op: 'jump', to: 0 }));
            (code[split] as { second: number }).second = code.length;
          } else {
            gen(option);
          }
        });
        for (const jump of jumps) (code[jump] as { to: number }).to = code.length;
        return;
      }
      case 'repeat':
        genRepeat(node.body, node.min, node.max, node.greedy);
        return;
    }
  };

  const split = (greedy: boolean, body: number, exit: number): Instruction =>
    greedy
      ? { op: 'split', first: body, second: exit }
      : { op: 'split', first: exit, second: body };

  const genRepeat = (body: RegexNode, min: number, max: number, greedy: boolean): void => {
    for (let i = 0; i < min; i++) gen(body);
    if (max === Infinity) {
      const loop = emit({ op: 'split', first: 0, second: 0 });
      gen(body);
      emit({ op: 'jump', to: loop });
      code[loop] = split(greedy, loop + 1, code.length);
      return;
    }
    const optional: number[] = [];
    for (let i = min; i < max; i++) {
      optional.push(emit({ op: 'split', first: 0, second: 0 }));
      gen(body);
    }
    for (const at of optional) code[at] = split(greedy, at + 1, code.length);
  };

  emit({ op: 'save', slot: 0 });
  gen(root);
  emit({ op: 'save', slot: 1 });
  emit({ op: 'match' });
  return { instructions: code, groups, ignoreCase, multiline: flags.includes('m') };
}
