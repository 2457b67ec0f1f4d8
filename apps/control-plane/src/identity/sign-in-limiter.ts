/**
 * Sign-in attempts per client address, in a sliding minute. Per replica (behind N replicas an
 * address gets up to N times the limit); the per-account lockout in the database is the
 * installation-wide bound.
 */
export class SignInLimiter {
  readonly #attempts = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  allow(address: string): boolean {
    const now = this.now();
    const recent = (this.#attempts.get(address) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= this.perMinute) {
      this.#attempts.set(address, recent);
      return false;
    }
    recent.push(now);
    this.#attempts.set(address, recent);
    // Bounded memory: forget quiet addresses now and then.
    if (this.#attempts.size > 10_000) {
      for (const [key, times] of this.#attempts) {
        if (times.every((at) => now - at >= 60_000)) this.#attempts.delete(key);
      }
    }
    return true;
  }
}
