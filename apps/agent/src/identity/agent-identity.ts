import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentGatewayError } from '../gateway/gateway.error.js';
import { AGENT_IDENTITY_FILE } from '../storage/agent-identity.js';

/** What enrolment gave the agent: who it is, and the key that proves it. */
export interface AgentIdentity {
  readonly agentId: string;
  readonly orgId: string;
  readonly groupId: string;
  /** SPKI DER, base64: what the gateway holds. */
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

/** identity.json as stored (mode 0600). */
interface StoredIdentity {
  readonly version: 1;
  readonly agentId: string;
  readonly orgId: string;
  readonly groupId: string;
  readonly publicKey: string;
  /** PKCS#8 PEM. */
  readonly privateKey: string;
  readonly enrolledAt: string;
}

/** The prefix the gateway expects before a challenge, so a signature cannot be replayed elsewhere. */
export const TOKEN_SIGNATURE_CONTEXT = 'weft-agent-token-v1:';

export interface AgentKeyPair {
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

export function generateAgentKeyPair(): AgentKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKey,
  };
}

/** Base64 Ed25519 signature over the UTF-8 bytes of `weft-agent-token-v1:` + challenge. */
export function signChallenge(privateKey: KeyObject, challenge: string): string {
  return sign(null, Buffer.from(TOKEN_SIGNATURE_CONTEXT + challenge, 'utf8'), privateKey).toString(
    'base64',
  );
}

/** The identity in stateDir, or null when the agent has not enrolled yet. */
export async function readAgentIdentity(stateDir: string): Promise<AgentIdentity | null> {
  let text: string;
  try {
    text = await readFile(join(stateDir, AGENT_IDENTITY_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw invalid(`cannot be read (${code ?? 'unknown error'})`);
  }
  let stored: Partial<StoredIdentity>;
  try {
    stored = JSON.parse(text) as Partial<StoredIdentity>;
  } catch {
    throw invalid('is not JSON');
  }
  const { agentId, orgId, groupId, publicKey, privateKey } = stored ?? {};
  if (
    stored?.version !== 1 ||
    ![agentId, orgId, groupId, publicKey, privateKey].every((v) => typeof v === 'string' && v)
  ) {
    throw invalid('is missing fields');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: privateKey as string, format: 'pem' });
  } catch {
    throw invalid('holds no usable private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw invalid('holds no Ed25519 private key');
  return {
    agentId: agentId as string,
    orgId: orgId as string,
    groupId: groupId as string,
    publicKey: publicKey as string,
    privateKey: key,
  };
}

/** Writes identity.json (mode 0600) through a temporary file and a rename, so it is never half written. */
export async function writeAgentIdentity(
  stateDir: string,
  identity: AgentIdentity,
  now: Date = new Date(),
): Promise<void> {
  const stored: StoredIdentity = {
    version: 1,
    agentId: identity.agentId,
    orgId: identity.orgId,
    groupId: identity.groupId,
    publicKey: identity.publicKey,
    privateKey: identity.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    enrolledAt: now.toISOString(),
  };
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, AGENT_IDENTITY_FILE);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  // 'wx': never follow or reuse something already there; the mode applies from the first byte.
  const file = await open(temporary, 'wx', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(stored, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function invalid(reason: string): AgentGatewayError {
  return new AgentGatewayError(
    'AGENT_IDENTITY_INVALID',
    `the agent identity (${AGENT_IDENTITY_FILE} in stateDir) ${reason}; restore it from a backup or enrol again with a new token`,
  );
}
