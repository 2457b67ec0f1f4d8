// Benchmark of @weft/crypto's AES-256-GCM paths against raw node:crypto in the same run.
// Not a test and never run in CI: wall-clock numbers depend on the machine. Ratios are the
// figures to compare. Run `pnpm build` first — this imports the BUILT package from ../dist.
//
//   node bench/crypto-bench.mjs [--mib 64] [--ops 200000]
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const args = new Map(
  process.argv
    .slice(2)
    .flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1]]] : [])),
);
const MIB = Number(args.get('mib') ?? 64);
const OPS = Number(args.get('ops') ?? 200_000);
const RUNS = 3;
const SECRET_BYTES = 64;

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('index.js', dist))) {
  console.error('dist/ not found: run `pnpm build` in packages/crypto first.');
  process.exit(1);
}
// Prefer the public face; fall back to the stream module until the index re-exports it.
const pkg = await import(new URL('index.js', dist).href);
const stream =
  typeof pkg.encryptStream === 'function'
    ? pkg
    : await import(new URL('stream/index.js', dist).href);
const { encryptStream, decryptStream, createEncryptStream, createDecryptStream } = stream;

const key = randomBytes(32);
const streamKey = { keyId: 'bench/v1', key };
const resolve = () => key;

function bestOf(runs, fn) {
  let best = Infinity;
  for (let i = 0; i < runs; i += 1) best = Math.min(best, fn());
  return best;
}
async function bestOfAsync(runs, fn) {
  let best = Infinity;
  for (let i = 0; i < runs; i += 1) best = Math.min(best, await fn());
  return best;
}
function time(fn) {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}
async function timeAsync(fn) {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

// ---------------------------------------------------------------- (a) small secrets
function rawSeal(plaintext) {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, body, tag: cipher.getAuthTag() };
}
function rawOpen({ nonce, body, tag }) {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

const secret = randomBytes(SECRET_BYTES);
const sealedSecret = rawSeal(secret);
for (let i = 0; i < 10_000; i += 1) rawOpen(rawSeal(secret)); // warm-up
const rawEncryptOps =
  OPS /
  bestOf(RUNS, () =>
    time(() => {
      for (let i = 0; i < OPS; i += 1) rawSeal(secret);
    }),
  );
const rawDecryptOps =
  OPS /
  bestOf(RUNS, () =>
    time(() => {
      for (let i = 0; i < OPS; i += 1) rawOpen(sealedSecret);
    }),
  );

// Field ciphertexts (wft1) through a per-organization Keyring whose DEK is already unwrapped
// and cached: what a secret read or write costs once the organization's key is warm.
async function fieldBench({ secret, OPS, RUNS }) {
  const { Keyring, LocalKeyProvider, generateLocalKek } = pkg;
  const keyring = new Keyring({
    orgId: 'bench-org',
    provider: LocalKeyProvider.fromBase64(generateLocalKek()),
    maxEncryptionsPerKey: 2 ** 30,
  });
  await keyring.rotate();
  const binding = { orgId: 'bench-org', recordType: 'secret', recordId: 'r1', field: 'value' };
  const ciphertext = await keyring.encrypt(secret, binding);
  const encryptOps =
    OPS /
    (await bestOfAsync(RUNS, () =>
      timeAsync(async () => {
        for (let i = 0; i < OPS; i += 1) await keyring.encrypt(secret, binding);
      }),
    ));
  const decryptOps =
    OPS /
    (await bestOfAsync(RUNS, () =>
      timeAsync(async () => {
        for (let i = 0; i < OPS; i += 1) await keyring.decrypt(ciphertext, binding);
      }),
    ));
  return { encryptOps, decryptOps };
}
const field =
  typeof fieldBench === 'function'
    ? await fieldBench({ secret, OPS, RUNS, bestOf, time })
    : undefined;

// ---------------------------------------------------------------- (b) streaming
const data = randomBytes(MIB * 1024 * 1024);
const PIECE = 1024 * 1024; // what a pipe or file read might hand over
const pieces = (buffer, size) => {
  const out = [];
  for (let offset = 0; offset < buffer.length; offset += size)
    out.push(buffer.subarray(offset, offset + size));
  return out;
};
const plaintextPieces = pieces(data, PIECE);

const rawStreamEncrypt = bestOf(RUNS, () =>
  time(() => {
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
    for (const piece of plaintextPieces) cipher.update(piece);
    cipher.final();
    cipher.getAuthTag();
  }),
);
// Same single GCM invocation, fed 64 KiB at a time: separates buffer-size effects from framing.
const smallPieces = pieces(data, 64 * 1024);
const rawSmallPiecesEncrypt = bestOf(RUNS, () =>
  time(() => {
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
    for (const piece of smallPieces) cipher.update(piece);
    cipher.final();
    cipher.getAuthTag();
  }),
);
const rawSealed = rawSeal(data);
const rawStreamDecrypt = bestOf(RUNS, () =>
  time(() => {
    const decipher = createDecipheriv('aes-256-gcm', key, rawSealed.nonce);
    decipher.setAuthTag(rawSealed.tag);
    for (const piece of pieces(rawSealed.body, PIECE)) decipher.update(piece);
    decipher.final();
  }),
);

async function drain(iterable) {
  let bytes = 0;
  for await (const part of iterable) bytes += part.length;
  return bytes;
}
const ciphertextParts = [];
for await (const part of encryptStream(plaintextPieces, streamKey)) ciphertextParts.push(part);
const ciphertext = Buffer.concat(ciphertextParts);
const ciphertextPieces = pieces(ciphertext, PIECE);

const oursEncrypt = await bestOfAsync(RUNS, () =>
  timeAsync(() => drain(encryptStream(plaintextPieces, streamKey))),
);
const oursDecrypt = await bestOfAsync(RUNS, () =>
  timeAsync(() => drain(decryptStream(ciphertextPieces, resolve))),
);
const devNull = () => new Writable({ write: (_chunk, _encoding, done) => done() });
const oursPipeEncrypt = await bestOfAsync(RUNS, () =>
  timeAsync(() =>
    pipeline(Readable.from(plaintextPieces), createEncryptStream(streamKey), devNull()),
  ),
);
const oursPipeDecrypt = await bestOfAsync(RUNS, () =>
  timeAsync(() =>
    pipeline(Readable.from(ciphertextPieces), createDecryptStream(resolve), devNull()),
  ),
);

// ---------------------------------------------------------------- report
const mbps = (seconds) => MIB / seconds;
console.log(`node ${process.version}, ${process.platform}/${process.arch}; best of ${RUNS} runs\n`);
console.log(`(a) ${SECRET_BYTES}-byte secret, AES-256-GCM, ${fmt(OPS)} ops`);
console.log(`    raw node:crypto encrypt   ${fmt(rawEncryptOps).padStart(12)} ops/s`);
console.log(`    raw node:crypto decrypt   ${fmt(rawDecryptOps).padStart(12)} ops/s`);
if (field) {
  console.log(
    `    field encrypt (cached DEK) ${fmt(field.encryptOps).padStart(11)} ops/s  ratio ${(field.encryptOps / rawEncryptOps).toFixed(2)}`,
  );
  console.log(
    `    field decrypt (cached DEK) ${fmt(field.decryptOps).padStart(11)} ops/s  ratio ${(field.decryptOps / rawDecryptOps).toFixed(2)}`,
  );
} else {
  console.log(
    '    field encrypt/decrypt      (slot not filled: envelope API not wired into the bench)',
  );
}
console.log(`\n(b) streaming ${MIB} MiB, 64 KiB chunks, fed in 1 MiB pieces`);
const row = (label, seconds, baseline) =>
  console.log(
    `    ${label.padEnd(32)} ${fmt(mbps(seconds), 1).padStart(8)} MB/s  ratio ${(baseline / seconds).toFixed(2)}`,
  );
row('raw single-shot encrypt', rawStreamEncrypt, rawStreamEncrypt);
row('raw single-shot, 64 KiB updates', rawSmallPiecesEncrypt, rawStreamEncrypt);
row('encryptStream (async iterable)', oursEncrypt, rawStreamEncrypt);
row('createEncryptStream (pipeline)', oursPipeEncrypt, rawStreamEncrypt);
row('raw single-shot decrypt', rawStreamDecrypt, rawStreamDecrypt);
row('decryptStream (async iterable)', oursDecrypt, rawStreamDecrypt);
row('createDecryptStream (pipeline)', oursPipeDecrypt, rawStreamDecrypt);
console.log('\nratio = ours / raw throughput in this run (1.00 = as fast as raw node:crypto)');
