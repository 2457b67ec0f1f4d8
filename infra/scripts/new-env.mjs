#!/usr/bin/env node
// Writes a compose .env from infra/.env.example, filling each empty secret with a fresh random
// value: `node infra/scripts/new-env.mjs infra/.env`. Refuses to overwrite an existing file.
// Generated passwords are a letter followed by hex digits, the one shape that survives every place
// they go (nats-server's config parser, a PostgreSQL URL, the S3 signature); the key-encryption
// key is 32 random bytes in base64.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '.env.example');

/** The variables new-env.mjs generates (all empty in .env.example). */
export const GENERATED_SECRETS = [
  'POSTGRES_PASSWORD',
  'WEFT_DATABASE_PASSWORD',
  'CONTROL_PLANE_NATS_PASSWORD',
  'GATEWAY_NATS_PASSWORD',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'WEFT_KEK',
  'GATEWAY_TOKEN_KEY',
];

/** Secrets with a shape of their own; the rest get `generateSecret()`. */
const GENERATORS = {
  // The key-encryption key: 32 random bytes, standard base64 (what the control plane expects).
  WEFT_KEK: () => randomBytes(32).toString('base64'),
  // The gateways' token-signing key: 32 random bytes, base64.
  GATEWAY_TOKEN_KEY: () => randomBytes(32).toString('base64'),
};

export function generateSecret(bytes = 24) {
  return `w${randomBytes(bytes).toString('hex')}`;
}

/** The text of a new .env: .env.example with the generated secrets filled in. */
export function renderEnv(exampleText = readFileSync(EXAMPLE_FILE, 'utf8')) {
  return exampleText
    .split('\n')
    .map((line) => {
      const match = /^([A-Z0-9_]+)=$/.exec(line);
      if (!match || !GENERATED_SECRETS.includes(match[1])) return line;
      return `${line}${(GENERATORS[match[1]] ?? generateSecret)()}`;
    })
    .join('\n');
}

/** Parses KEY=value lines (no quoting, no expansion: the shape .env.example uses). */
export function parseEnv(text) {
  const values = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) values[match[1]] = match[2];
  }
  return values;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2];
  if (target === undefined) {
    process.stderr.write('usage: new-env.mjs <path of the .env to create>\n');
    process.exit(2);
  }
  try {
    // 'wx': fail if it exists, so an operator's secrets are never replaced by accident.
    writeFileSync(target, renderEnv(), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    process.stderr.write(
      `new-env: cannot create ${target}: ${error.code === 'EEXIST' ? 'it already exists' : error.message}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `new-env: wrote ${target} with ${GENERATED_SECRETS.length} generated secrets (mode 0600)\n`,
  );
}
