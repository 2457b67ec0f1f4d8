import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { assertKeyVersion } from './canonical.js';
import { assertDataKeyBytes, DATA_KEY_BYTES } from './key-provider.js';

// Key bytes live outside the object, so logging, JSON.stringify or util.inspect of a
// DataKey can never print them.
const material = new WeakMap<DataKey, Buffer>();

/** An unwrapped data-encryption key (AES-256) and the org key version it is. */
export class DataKey {
  readonly version: number;

  /** Copies `bytes` (32 bytes); the caller may zero its own copy afterwards. */
  constructor(version: number, bytes: Buffer) {
    assertKeyVersion(version);
    assertDataKeyBytes(bytes);
    this.version = version;
    material.set(this, Buffer.from(bytes));
  }

  /** A fresh random key, for tests and for callers managing wrapping themselves. */
  static generate(version: number): DataKey {
    const bytes = randomBytes(DATA_KEY_BYTES);
    try {
      return new DataKey(version, bytes);
    } finally {
      bytes.fill(0);
    }
  }

  /** Overwrites the key bytes; the key is unusable afterwards. */
  destroy(): void {
    material.get(this)?.fill(0);
    material.delete(this);
  }

  toJSON(): { version: number } {
    return { version: this.version };
  }

  [inspect.custom](): string {
    return `DataKey { version: ${this.version} }`;
  }
}

/** Internal: the key bytes, or undefined once destroyed. */
export function dataKeyMaterial(key: DataKey): Buffer | undefined {
  return material.get(key);
}
