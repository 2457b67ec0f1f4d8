// Variable scopes and the per-evaluation state that enforces the limits.
import type { RegexRunner } from '../contract.js';
import { limitError } from '../messages.js';
import { createRegexRunner } from '../regex/index.js';

/** Limits of one evaluation, resolved from the options with their defaults. */
export interface Limits {
  readonly timeLimitMs: number;
  readonly maxDepth: number;
  readonly maxOutputSize: number;
}

/** Counts nesting and work for one evaluation; the time is read every 1024 steps. */
export class EvaluationState {
  depth = 0;
  private ticks = 0;
  private readonly deadline: number;
  private regexRunner: RegexRunner | undefined;
  constructor(
    readonly limits: Limits,
    readonly now: number,
    /** `$eval`: compiles and runs source with this evaluation's limits, in the caller's scope. */
    readonly evaluateSource: (
      source: string,
      input: unknown,
      bindings: Readonly<Record<string, unknown>> | undefined,
      frame: Frame,
    ) => unknown,
  ) {
    // `now` was read at the start of this evaluation: one clock read, not two
    this.deadline = now + limits.timeLimitMs;
  }

  /** Regex literals run here: a linear-time engine whose scanning is charged to the time limit. */
  get regex(): RegexRunner {
    // made on first use: most evaluations run no regex
    return (this.regexRunner ??= createRegexRunner(() => this.tick()));
  }

  /** Called on entering an expression node. */
  enter(): void {
    if (++this.depth > this.limits.maxDepth) throw limitError('depth', this.limits.maxDepth);
    if ((++this.ticks & 1023) === 0) this.checkTime();
  }

  /** Charges one unit of work (loops that do not enter nodes call it). */
  tick(): void {
    if ((++this.ticks & 1023) === 0) this.checkTime();
  }

  checkTime(): void {
    if (Date.now() > this.deadline) throw limitError('time', this.limits.timeLimitMs);
  }

  /** Checks the size of a string or array about to be produced. */
  charge(size = 1): void {
    if (size > this.limits.maxOutputSize) throw limitError('size', this.limits.maxOutputSize);
    this.ticks += Math.min(size >>> 10, 1 << 20);
    this.tick();
  }
}

/** The functions in scope for every evaluation (the library plus registered functions). */
export type FunctionScope = ReadonlyMap<string, unknown>;

/** Stands for a variable bound to undefined (`$x := nothing`), which hides an outer `$x`. */
const UNBOUND_VALUE = Symbol('weft.expression.undefined');

export class Frame {
  // created on first bind: most frames (blocks without assignments) never hold a variable
  private bindings: Map<string, unknown> | undefined;
  constructor(
    readonly parent: Frame | undefined,
    readonly state: EvaluationState,
    private readonly library?: FunctionScope,
    /**
     * The root frame's `$` (the evaluation's input), kept out of the bindings so that a root
     * with no host bindings needs no map, and a library name is found with one probe.
     */
    private readonly root?: { readonly input: unknown },
  ) {}

  static child(parent: Frame): Frame {
    return new Frame(parent, parent.state);
  }

  bind(name: string, value: unknown): void {
    (this.bindings ??= new Map()).set(name, value === undefined ? UNBOUND_VALUE : value);
  }

  lookup(name: string): unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let frame: Frame | undefined = this;
    for (; frame !== undefined; frame = frame.parent) {
      // `$` at the root is the input, whatever the host bound under that name
      if (frame.root !== undefined && name === '$') return frame.root.input;
      const bindings = frame.bindings;
      if (bindings !== undefined) {
        // one probe: a variable bound to nothing holds a marker, so `get` alone tells
        const value = bindings.get(name);
        if (value !== undefined) return value === UNBOUND_VALUE ? undefined : value;
      }
      if (frame.library !== undefined) return frame.library.get(name);
    }
    return undefined;
  }
}

/** A scope binding every entry of a tuple (`@`, focus and index variables, parent labels). */
export function frameFromTuple(frame: Frame, tuple: Record<string, unknown>): Frame {
  const scope = Frame.child(frame);
  for (const key in tuple) scope.bind(key, tuple[key]);
  return scope;
}
