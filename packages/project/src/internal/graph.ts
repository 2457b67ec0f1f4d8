import type { ProjectOperation } from '../types.js';
import { child, item, short, type Problems } from './problems.js';

const SHOWN_STEPS = 8;

/**
 * Reports every chain of onSuccess / onFailure that comes back to an operation it started from:
 * one problem per closing edge, at that edge's path. Depth-first, in document order.
 */
export function checkChains(
  operations: ReadonlyMap<string, ProjectOperation | undefined>,
  problems: Problems,
): void {
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];

  const visit = (name: string): void => {
    state.set(name, 'open');
    trail.push(name);
    const operation = operations.get(name);
    for (const list of ['onSuccess', 'onFailure'] as const) {
      (operation?.[list] ?? []).forEach((next, index) => {
        if (!operations.has(next)) return; // reported as an unknown reference
        const seen = state.get(next);
        if (seen === 'open') {
          const loop = [...trail.slice(trail.indexOf(next)), next];
          const shown =
            loop.length > SHOWN_STEPS ? [...loop.slice(0, SHOWN_STEPS - 1), '…', next] : loop;
          problems.add(
            item(child(child('operations', name), list), index),
            'cycle',
            `starts ${short(next)} again: ${shown.map(short).join(' → ')}`,
          );
        } else if (seen === undefined) {
          visit(next);
        }
      });
    }
    trail.pop();
    state.set(name, 'done');
  };

  for (const name of operations.keys()) if (!state.has(name)) visit(name);
}
