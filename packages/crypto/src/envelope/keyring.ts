import { CryptoError } from '../errors.js';
import { assertIdentifier, assertKeyVersion } from './canonical.js';
import { DataKey } from './data-key.js';
import {
  assertFieldBinding,
  encryptField,
  type FieldBinding,
  keyVersionOf,
  openField,
  parseFieldCiphertext,
} from './field.js';
import {
  assertWrappedDataKey,
  generateWrappedDataKey,
  type KeyProvider,
  type WrappedDataKey,
} from './key-provider.js';

/**
 * NIST SP 800-38D §8.3 caps random-nonce GCM at 2^32 invocations per key; refusing
 * at 2^30 keeps the nonce-collision probability below 2^-35.
 */
export const DEFAULT_MAX_ENCRYPTIONS_PER_KEY = 2 ** 30;
/** Rotation is requested at half the limit, leaving headroom for other replicas' counts. */
export const DEFAULT_ROTATION_WATERMARK = 2 ** 29;
export const DEFAULT_KEY_CACHE_TTL_MS = 5 * 60 * 1000;

/** One stored DEK version of an organization, as the control plane persists it. */
export interface StoredDataKey {
  readonly version: number;
  readonly wrapped: WrappedDataKey;
  /** Encryptions already made under this version (persisted count); 0 when omitted. */
  readonly encryptions?: number;
}

export interface KeyringOptions {
  readonly orgId: string;
  readonly provider: KeyProvider;
  readonly versions?: readonly StoredDataKey[];
  /** How long an unwrapped DEK stays in memory. Default 5 minutes. */
  readonly cacheTtlMs?: number;
  /** Encryptions per DEK version after which `encrypt` throws KEY_EXHAUSTED. */
  readonly maxEncryptionsPerKey?: number;
  /** Encryptions after which `needsRotation` turns true. Must be below the maximum. */
  readonly rotationWatermark?: number;
  /** Clock in milliseconds, for the TTL. Default `Date.now`. */
  readonly now?: () => number;
}

export interface KeyUsage {
  readonly version: number;
  readonly encryptions: number;
  readonly needsRotation: boolean;
  readonly exhausted: boolean;
}

interface CachedKey {
  readonly key: DataKey;
  readonly expiresAt: number;
}

/**
 * The data keys of one organization. The newest version encrypts; any known version
 * decrypts. Unwrapped DEKs are cached for `cacheTtlMs`, and concurrent reads of an
 * uncached version share one provider call. Encryption counts live in memory: the
 * control plane persists them (`drainEncryptionCounts`) and passes them back in
 * `versions[].encryptions` when it rebuilds the keyring.
 */
export class Keyring {
  readonly orgId: string;
  readonly #provider: KeyProvider;
  readonly #stored = new Map<number, WrappedDataKey>();
  readonly #counts = new Map<number, number>();
  readonly #undrained = new Map<number, number>();
  readonly #cache = new Map<number, CachedKey>();
  readonly #inflight = new Map<number, Promise<DataKey>>();
  readonly #ttlMs: number;
  readonly #maxEncryptions: number;
  readonly #watermark: number;
  readonly #now: () => number;

  constructor(options: KeyringOptions) {
    assertIdentifier(options.orgId, 'Organization id');
    this.orgId = options.orgId;
    this.#provider = options.provider;
    this.#ttlMs = positiveInteger(options.cacheTtlMs ?? DEFAULT_KEY_CACHE_TTL_MS, 'cacheTtlMs');
    this.#maxEncryptions = positiveInteger(
      options.maxEncryptionsPerKey ?? DEFAULT_MAX_ENCRYPTIONS_PER_KEY,
      'maxEncryptionsPerKey',
    );
    if (this.#maxEncryptions > 2 ** 32) {
      throw new CryptoError(
        'WEAK_PARAMETERS',
        'maxEncryptionsPerKey exceeds the GCM bound of 2^32',
      );
    }
    this.#watermark = positiveInteger(
      options.rotationWatermark ??
        Math.min(DEFAULT_ROTATION_WATERMARK, Math.ceil(this.#maxEncryptions / 2)),
      'rotationWatermark',
    );
    if (this.#watermark > this.#maxEncryptions) {
      throw new CryptoError(
        'INVALID_INPUT',
        'rotationWatermark must not exceed maxEncryptionsPerKey',
      );
    }
    this.#now = options.now ?? Date.now;
    for (const stored of options.versions ?? []) this.addVersion(stored);
  }

  /** The version new ciphertexts use (the newest); undefined before the first key. */
  get currentVersion(): number | undefined {
    let newest: number | undefined;
    for (const version of this.#stored.keys()) {
      if (newest === undefined || version > newest) newest = version;
    }
    return newest;
  }

  /** Known versions, oldest first. */
  get versions(): number[] {
    return [...this.#stored.keys()].sort((a, b) => a - b);
  }

  /** True once the current version has reached the rotation watermark (or there is none). */
  get needsRotation(): boolean {
    const current = this.currentVersion;
    return current === undefined || (this.#counts.get(current) ?? 0) >= this.#watermark;
  }

  /**
   * Adds a stored version (e.g. one another replica created). Re-adding a version with
   * the same wrap is a no-op; a different wrap for a known version is refused.
   */
  addVersion(stored: StoredDataKey): void {
    assertKeyVersion(stored.version);
    assertWrappedDataKey(stored.wrapped);
    const known = this.#stored.get(stored.version);
    if (known) {
      if (known.blob !== stored.wrapped.blob || known.kekId !== stored.wrapped.kekId) {
        throw new CryptoError('INVALID_INPUT', `Key version ${stored.version} is already known`);
      }
      return;
    }
    const encryptions = stored.encryptions ?? 0;
    if (!Number.isSafeInteger(encryptions) || encryptions < 0) {
      throw new CryptoError('INVALID_INPUT', 'Stored encryption count must be a whole number');
    }
    this.#stored.set(stored.version, stored.wrapped);
    this.#counts.set(stored.version, encryptions);
  }

  /**
   * Creates the next DEK version (1 for a new organization) through the provider and
   * makes it current. Persist the result; a unique (org, version) constraint in storage
   * settles two replicas rotating at once.
   */
  async rotate(): Promise<StoredDataKey> {
    const version = (this.currentVersion ?? 0) + 1;
    const { plaintext, wrapped } = await generateWrappedDataKey(this.#provider, {
      orgId: this.orgId,
      keyVersion: version,
    });
    try {
      const key = new DataKey(version, plaintext);
      this.addVersion({ version, wrapped });
      this.#cache.set(version, { key, expiresAt: this.#now() + this.#ttlMs });
    } finally {
      plaintext.fill(0);
    }
    return { version, wrapped, encryptions: 0 };
  }

  /** Forgets an old version once nothing uses it. The current version cannot be retired. */
  retireVersion(version: number): void {
    if (version === this.currentVersion) {
      throw new CryptoError('INVALID_INPUT', 'The current key version cannot be retired');
    }
    this.#cache.delete(version);
    this.#stored.delete(version);
    this.#counts.delete(version);
    this.#undrained.delete(version);
  }

  /** Encrypts under the current version, counting the invocation against its limit. */
  async encrypt(plaintext: string | Buffer, binding: FieldBinding): Promise<string> {
    this.#assertOwnBinding(binding);
    const version = this.currentVersion;
    if (version === undefined) {
      throw new CryptoError('UNKNOWN_KEY_VERSION', 'This organization has no data key yet');
    }
    // Reserved before the first await, so concurrent calls cannot overshoot the limit;
    // a failure afterwards can only over-count, never under-count.
    const used = this.#counts.get(version) ?? 0;
    if (used >= this.#maxEncryptions) {
      throw new CryptoError(
        'KEY_EXHAUSTED',
        `Key version ${version} reached its limit of ${this.#maxEncryptions} encryptions; rotate it`,
      );
    }
    this.#counts.set(version, used + 1);
    this.#undrained.set(version, (this.#undrained.get(version) ?? 0) + 1);
    const key = await this.#key(version);
    return encryptField(key, plaintext, binding);
  }

  /** Decrypts a ciphertext of any known version. */
  async decrypt(ciphertext: string, binding: FieldBinding): Promise<Buffer> {
    this.#assertOwnBinding(binding);
    const parsed = parseFieldCiphertext(ciphertext);
    return openField(await this.#key(parsed.keyVersion), parsed, binding);
  }

  /** The key version of a ciphertext, without decrypting it. */
  keyVersionOf(ciphertext: string): number {
    return keyVersionOf(ciphertext);
  }

  /** How many of `ciphertexts` use each key version (to decide what can be retired). */
  versionsIn(ciphertexts: Iterable<string>): Map<number, number> {
    const counts = new Map<number, number>();
    for (const ciphertext of ciphertexts) {
      const version = keyVersionOf(ciphertext);
      counts.set(version, (counts.get(version) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Moves one ciphertext to the current version (authenticating it on the way).
   * Idempotent: a ciphertext already current is returned unchanged, so a re-encryption
   * job can be killed and rerun safely.
   */
  async reencrypt(ciphertext: string, binding: FieldBinding): Promise<string> {
    if (keyVersionOf(ciphertext) === this.currentVersion) {
      // Still authenticated, so a job never blesses a forged or misplaced ciphertext.
      (await this.decrypt(ciphertext, binding)).fill(0);
      return ciphertext;
    }
    const plaintext = await this.decrypt(ciphertext, binding);
    try {
      return await this.encrypt(plaintext, binding);
    } finally {
      plaintext.fill(0);
    }
  }

  /** Encryptions made under `version` (persisted count plus this process's). */
  encryptionCount(version: number): number {
    return this.#counts.get(version) ?? 0;
  }

  usage(): KeyUsage[] {
    return this.versions.map((version) => {
      const encryptions = this.encryptionCount(version);
      return {
        version,
        encryptions,
        needsRotation: encryptions >= this.#watermark,
        exhausted: encryptions >= this.#maxEncryptions,
      };
    });
  }

  /**
   * Encryptions per version made since the last drain, then resets them. The control
   * plane adds them to its stored counts (`encryptions = encryptions + delta`), which
   * sums correctly across replicas.
   */
  drainEncryptionCounts(): Map<number, number> {
    const drained = new Map(this.#undrained);
    this.#undrained.clear();
    return drained;
  }

  /** Drops every cached DEK; the next use unwraps again. */
  clearCache(): void {
    this.#cache.clear();
  }

  #assertOwnBinding(binding: FieldBinding): void {
    assertFieldBinding(binding);
    if (binding.orgId !== this.orgId) {
      throw new CryptoError(
        'INVALID_INPUT',
        "Binding names another organization than the keyring's",
      );
    }
  }

  async #key(version: number): Promise<DataKey> {
    const cached = this.#cache.get(version);
    if (cached && this.#now() < cached.expiresAt) return cached.key;
    // Expired keys are dropped, not zeroed: an operation that already holds one may
    // still be using it between two awaits.
    if (cached) this.#cache.delete(version);
    const pending = this.#inflight.get(version);
    if (pending) return pending;
    const unwrap = this.#unwrap(version).finally(() => this.#inflight.delete(version));
    this.#inflight.set(version, unwrap);
    return unwrap;
  }

  async #unwrap(version: number): Promise<DataKey> {
    const wrapped = this.#stored.get(version);
    if (!wrapped) {
      throw new CryptoError(
        'UNKNOWN_KEY_VERSION',
        `No data key version ${version} for this organization`,
      );
    }
    let plaintext: Buffer;
    try {
      plaintext = await this.#provider.unwrapDataKey(wrapped, {
        orgId: this.orgId,
        keyVersion: version,
      });
    } catch (error) {
      if (CryptoError.is(error)) throw error;
      throw new CryptoError(
        'KEY_PROVIDER_FAILED',
        `Key provider '${this.#provider.id}' failed to unwrap key version ${version}`,
      );
    }
    try {
      const key = new DataKey(version, plaintext);
      // Only cache a version that still exists (it may have been retired meanwhile).
      if (this.#stored.get(version) === wrapped) {
        this.#cache.set(version, { key, expiresAt: this.#now() + this.#ttlMs });
      }
      return key;
    } catch {
      throw new CryptoError('KEY_PROVIDER_FAILED', 'Key provider returned a malformed data key');
    } finally {
      plaintext.fill(0);
    }
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new CryptoError('INVALID_INPUT', `${name} must be a positive integer`);
  }
  return value;
}
