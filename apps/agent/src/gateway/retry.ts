import { setTimeout as sleep } from 'node:timers/promises';
import { AgentGatewayError } from './gateway.error.js';

export interface RetryPolicy {
  /** Attempts in all (1 = no retry). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Network errors and 5xx: another gateway behind the same URL may answer a moment later. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 15_000 };

/** "Equal jitter": half the exponential delay, plus up to as much again at random, so agents spread out. */
export function backoffDelay(policy: RetryPolicy, retry: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent. */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
  onRetry?: (error: AgentGatewayError, delayMs: number) => void,
): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt();
    } catch (error) {
      const transient = AgentGatewayError.is(error) && error.code === 'GATEWAY_UNAVAILABLE';
      if (!transient || retry + 1 >= policy.attempts || signal?.aborted === true) throw error;
      const delayMs = backoffDelay(policy, retry);
      onRetry?.(error, delayMs);
      try {
        await sleep(delayMs, undefined, signal === undefined ? {} : { signal });
      } catch {
        throw error; // aborted while waiting: the last failure explains more than "aborted"
      }
    }
  }
}
