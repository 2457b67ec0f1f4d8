import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the enrolled agent keeps its identity (agent id, Ed25519 key pair) inside stateDir.
 * Enrolment (a later issue) writes it; until it exists the agent needs an enrolment token.
 */
export const AGENT_IDENTITY_FILE = 'identity.json';

export async function hasAgentIdentity(stateDir: string): Promise<boolean> {
  try {
    return (await stat(join(stateDir, AGENT_IDENTITY_FILE))).isFile();
  } catch {
    return false;
  }
}
