// The regex engine behind regex literals: patterns are compiled once (and cached), matched by
// a linear-time Pike VM, and every text position scanned is charged to the evaluation's time
// limit. The host RegExp never sees a pattern from an expression.
import type { RegexRunner, RegexValue } from '../contract.js';
import { expressionError } from '../messages.js';
import { parsePattern, PatternError } from './pattern.js';
import { compileProgram, type Program } from './program.js';
import { runProgram } from './vm.js';

const CACHE_LIMIT = 500;
const cache = new Map<string, Program>();

/** Compiles (or fetches) a pattern; an unsupported or invalid one is ExpressionError S0303. */
export function compileRegex(source: string, flags: string, position?: number): Program {
  const key = `${flags}/${source}`;
  let program = cache.get(key);
  if (program) return program;
  try {
    const { root, groups } = parsePattern(source);
    program = compileProgram(root, groups, flags);
  } catch (error) {
    if (error instanceof PatternError) {
      throw expressionError('S0303', { position, value: `/${source}/: ${error.message}` });
    }
    throw error;
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, program);
  return program;
}

/** A RegexRunner whose work is charged through `tick` (the evaluation's time budget). */
export function createRegexRunner(tick: () => void): RegexRunner {
  return {
    matchAll(regex: RegexValue, text: string, limit = Infinity) {
      const program = compileRegex(regex.source, regex.flags);
      const results: Array<{ match: string; index: number; groups: string[] }> = [];
      let from = 0;
      while (from <= text.length && results.length < limit) {
        const found = runProgram(program, text, from, tick);
        if (found === undefined) break;
        const groups: string[] = [];
        for (let g = 0; g < program.groups; g++) {
          const start = found.captures[g * 2] as number;
          const end = found.captures[g * 2 + 1] as number;
          groups.push(start < 0 || end < 0 ? '' : text.substring(start, end));
        }
        results.push({ match: text.substring(found.start, found.end), index: found.start, groups });
        from = found.end === found.start ? found.end + 1 : found.end;
      }
      return results;
    },
  };
}
