/** Shorter values would mask ordinary words and numbers all over the log. */
const MIN_SECRET_LENGTH = 4;

/**
 * The known secret values of a redactor, masked as literal substrings. Each secret is
 * also looked for in the encoded forms in which it commonly reaches a log: inside a URL
 * (percent-encoded) and inside a JSON string (escaped).
 */
export class SecretValueSet {
  private readonly values = new Set<string>();
  private matcher: RegExp | undefined;

  add(values: Iterable<string>): void {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) {
        if (!this.values.has(form)) {
          this.values.add(form);
          this.matcher = undefined;
        }
      }
    }
  }

  mask(input: string, replacement: string): string {
    if (this.values.size === 0) return input;
    this.matcher ??= this.compile();
    return input.replace(this.matcher, () => replacement);
  }

  private compile(): RegExp {
    // Longest first, so a secret that contains another is masked whole.
    const alternatives = [...this.values]
      .sort((a, b) => b.length - a.length)
      .map((value) => value.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'));
    return new RegExp(alternatives.join('|'), 'g');
  }
}
