// A Pike VM: runs every alternative in lock step over the text, so matching time is linear in
// the text length times the program size, whatever the pattern. Priority order of threads
// gives the same leftmost, greedy/lazy-aware result (and captures) as a backtracking engine.
import type { CharRanges } from './pattern.js';
import type { Program } from './program.js';

export interface RegexMatch {
  start: number;
  end: number;
  /** Capture positions: [start1, end1, start2, end2, …]; -1 when the group did not take part. */
  captures: number[];
}

type Caps = readonly number[];

function isLineTerminator(code: number): boolean {
  return code === 10 || code === 13 || code === 0x2028 || code === 0x2029;
}

function isWordCode(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    code === 95 ||
    (code >= 97 && code <= 122)
  );
}

function inRanges(ranges: CharRanges, code: number): boolean {
  for (const [from, to] of ranges) if (code >= from && code <= to) return true;
  return false;
}

function classMatches(
  ranges: CharRanges,
  negated: boolean,
  code: number,
  ignoreCase: boolean,
): boolean {
  let found = inRanges(ranges, code);
  if (!found && ignoreCase) {
    const ch = String.fromCharCode(code);
    found =
      inRanges(ranges, ch.toLowerCase().charCodeAt(0)) ||
      inRanges(ranges, ch.toUpperCase().charCodeAt(0));
  }
  return found !== negated;
}

/** The leftmost match at or after `from`, or undefined. `tick` is called once per text position. */
export function runProgram(
  program: Program,
  text: string,
  from: number,
  tick: () => void,
): RegexMatch | undefined {
  const code = program.instructions;
  const slots = (program.groups + 1) * 2;
  const visited = new Int32Array(code.length).fill(-1);
  let generation = 0;
  let current: Array<{ pc: number; caps: Caps }> = [];
  let next: Array<{ pc: number; caps: Caps }> = [];
  let matched: Caps | undefined;
  const length = text.length;

  const assertion = (what: string, pos: number): boolean => {
    switch (what) {
      case 'bol':
        return pos === 0 || (program.multiline && isLineTerminator(text.charCodeAt(pos - 1)));
      case 'eol':
        return pos === length || (program.multiline && isLineTerminator(text.charCodeAt(pos)));
      default: {
        const before = pos > 0 && isWordCode(text.charCodeAt(pos - 1));
        const after = pos < length && isWordCode(text.charCodeAt(pos));
        return (before !== after) === (what === 'word');
      }
    }
  };

  // follows jumps, splits, saves and assertions without recursion, in priority order
  const addThread = (
    list: Array<{ pc: number; caps: Caps }>,
    startPc: number,
    startCaps: Caps,
    pos: number,
  ): void => {
    const stack: Array<{ pc: number; caps: Caps }> = [{ pc: startPc, caps: startCaps }];
    while (stack.length > 0) {
      const { pc, caps } = stack.pop() as { pc: number; caps: Caps };
      if (visited[pc] === generation) continue;
      visited[pc] = generation;
      const instruction = code[pc] as Program['instructions'][number];
      switch (instruction.op) {
        case 'jump':
          stack.push({ pc: instruction.to, caps });
          break;
        case 'split':
          stack.push({ pc: instruction.second, caps }, { pc: instruction.first, caps });
          break;
        case 'save': {
          const copy = caps.slice();
          copy[instruction.slot] = pos;
          stack.push({ pc: pc + 1, caps: copy });
          break;
        }
        case 'assert':
          if (assertion(instruction.what, pos)) stack.push({ pc: pc + 1, caps });
          break;
        default:
          list.push({ pc, caps });
      }
    }
  };

  const empty: Caps = new Array<number>(slots).fill(-1);
  for (let pos = from; pos <= length; pos++) {
    tick();
    if (matched === undefined) addThread(current, 0, empty, pos);
    generation++;
    if (current.length === 0) continue; // nothing alive here; the search starts again at the next position
    const ch = pos < length ? text.charCodeAt(pos) : -1;
    for (const thread of current) {
      const instruction = code[thread.pc] as Program['instructions'][number];
      let advance = false;
      switch (instruction.op) {
        case 'match':
          matched = thread.caps;
          break;
        case 'char':
          advance = ch >= 0 && instruction.codes.includes(ch);
          break;
        case 'any':
          advance = ch >= 0 && !isLineTerminator(ch);
          break;
        case 'class':
          advance =
            ch >= 0 &&
            classMatches(instruction.ranges, instruction.negated, ch, program.ignoreCase);
          break;
      }
      if (instruction.op === 'match') break; // lower-priority threads are cut
      if (advance) addThread(next, thread.pc + 1, thread.caps, pos + 1);
    }
    [current, next] = [next, []];
    if (matched !== undefined && current.length === 0) break;
  }
  if (matched === undefined) return undefined;
  return { start: matched[0] as number, end: matched[1] as number, captures: matched.slice(2) };
}
