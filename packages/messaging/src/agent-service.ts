/**
 * Requests the gateway makes to the control plane on an agent's behalf, and the notice the
 * control plane sends every gateway when an agent's standing changes. These subjects sit under
 * their own root, outside `weft.>`, so no per-group wildcard or permission can ever match them.
 */
export const AGENT_SERVICE_ROOT = 'weft-sys';

export const AGENT_SERVICE_SUBJECTS = {
  /** request: { token, publicKey, name, version?, host? } → AgentIdentity or an error */
  enrol: `${AGENT_SERVICE_ROOT}.agents.enrol`,
  /** request: { agentId } → AgentIdentity or an error (disabled/revoked agents refused) */
  identity: `${AGENT_SERVICE_ROOT}.agents.identity`,
  /** request: { agentId, version, host, runningRuns, maxConcurrentRuns } → {} */
  heartbeat: `${AGENT_SERVICE_ROOT}.agents.heartbeat`,
  /** request: { orgId, runId } → { cancelRequested } */
  runStatus: `${AGENT_SERVICE_ROOT}.runs.status`,
  /**
   * request: { orgId, environmentId, runId, agentId, attempt, publicKey } (all but publicKey from
   * the gateway-signed lease) → { secrets: SealedRunSecret[] }, or an error RUN_NOT_RUNNING /
   * SECRET_NOT_FOUND. Each vault value is sealed for `publicKey` (@weft/crypto sealForRecipient,
   * context `<runId>|<name>`): the gateway relays what it cannot read.
   */
  runSecrets: `${AGENT_SERVICE_ROOT}.runs.secrets`,
  /** broadcast: { agentId } whenever an agent is disabled, enabled or revoked */
  agentChanged: `${AGENT_SERVICE_ROOT}.agents.changed`,
} as const;

/** The queue group every control-plane instance answers agent-service requests in (one answers each). */
export const AGENT_SERVICE_QUEUE = 'weft-control-plane';

/** Who an enrolled agent is, as the control plane answers it: derived from the agent's record only. */
export interface AgentIdentity {
  agentId: string;
  orgId: string;
  groupId: string;
  /** The environments a private group serves; empty for a cloud group (it serves any). */
  environmentIds: string[];
  /** A cloud group run by the installation for every organization (`orgId` is its operator's). */
  shared: boolean;
  /** SPKI DER, base64url. */
  publicKey: string;
}

/** One vault secret of a run, sealed for the agent's per-run public key (base64url fields). */
export interface SealedRunSecret {
  name: string;
  ephemeralPublicKey: string;
  nonce: string;
  ciphertext: string;
}

/** The body of every agent-service reply: a result, or an error with a stable code. */
export type AgentServiceReply<T> =
  { ok: true; result: T } | { ok: false; error: { code: string; message: string } };
