import type { Logger } from '@weft/log-schema';
import {
  AGENT_SERVICE_QUEUE,
  AGENT_SERVICE_SUBJECTS,
  type AgentServiceReply,
} from '@weft/messaging';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { DataSource } from 'typeorm';
import { isUuid } from '../database/ids.js';
import { changeRows, selectRows } from '../database/sql.js';
import { asOrgId, inTenant } from '../database/tenant.js';
import { sealForRecipient, type SealedValue } from '@weft/crypto';
import { VaultError } from '../vault/secret-input.js';
import type { SecretsVault } from '../vault/secrets-vault.js';
import { AgentError, type AgentRegistry } from './agent-registry.js';

const MAX_REQUEST_BYTES = 16 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

type Handler = (request: Record<string, unknown>) => Promise<unknown>;

/**
 * What the gateway asks the control plane on an agent's behalf, over NATS request/reply in the
 * `weft-control-plane` queue group (one replica answers each request): enrolment, the agent's
 * identity for each token and call, heartbeats, and whether a run was cancelled. Only the
 * gateway's NATS user may publish these requests; the answers go to its private inbox.
 */
export class AgentService {
  readonly #subscriptions: Subscription[] = [];

  constructor(
    private readonly db: DataSource,
    private readonly nats: NatsConnection,
    private readonly registry: AgentRegistry,
    private readonly vault: SecretsVault,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const handlers: Record<string, Handler> = {
      [AGENT_SERVICE_SUBJECTS.enrol]: (r) =>
        this.registry.enrol({
          token: str(r.token, 200),
          publicKey: str(r.publicKey, 200),
          name: str(r.name, 100) || 'agent',
          ...(typeof r.version === 'string' ? { version: r.version } : {}),
          ...(typeof r.host === 'string' ? { host: r.host } : {}),
        }),
      [AGENT_SERVICE_SUBJECTS.identity]: (r) => this.registry.identity(str(r.agentId, 64)),
      [AGENT_SERVICE_SUBJECTS.heartbeat]: (r) => this.#heartbeat(r),
      [AGENT_SERVICE_SUBJECTS.runStatus]: (r) => this.#runStatus(r),
      [AGENT_SERVICE_SUBJECTS.runSecrets]: (r) => this.#runSecrets(r),
    };
    for (const [subject, handler] of Object.entries(handlers)) {
      this.#subscriptions.push(
        this.nats.subscribe(subject, {
          queue: AGENT_SERVICE_QUEUE,
          callback: (error, message) => {
            if (error) {
              this.logger.error('agent service subscription failed', {
                subject,
                error: error.message,
              });
              return;
            }
            void this.#answer(message, handler);
          },
        }),
      );
    }
  }

  async stop(): Promise<void> {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    await this.nats.flush().catch(() => undefined);
  }

  /** Tells every gateway that an agent's standing changed (disabled, enabled, revoked). */
  agentChanged(agentId: string): void {
    this.nats.publish(
      AGENT_SERVICE_SUBJECTS.agentChanged,
      encoder.encode(JSON.stringify({ agentId })),
    );
  }

  async #answer(message: Msg, handler: Handler): Promise<void> {
    let reply: AgentServiceReply<unknown>;
    try {
      if (message.data.length > MAX_REQUEST_BYTES)
        throw new AgentError('VALIDATION_FAILED', 'request too large');
      const request = JSON.parse(decoder.decode(message.data)) as unknown;
      if (typeof request !== 'object' || request === null || Array.isArray(request)) {
        throw new AgentError('VALIDATION_FAILED', 'request must be an object');
      }
      reply = { ok: true, result: (await handler(request as Record<string, unknown>)) ?? {} };
    } catch (error) {
      if (AgentError.is(error)) {
        reply = { ok: false, error: { code: error.code, message: error.message } };
      } else {
        this.logger.error('agent service request failed', {
          subject: message.subject,
          error: error instanceof Error ? error.message : String(error),
        });
        reply = {
          ok: false,
          error: { code: 'INTERNAL', message: 'the control plane could not answer' },
        };
      }
    }
    let bytes = encoder.encode(JSON.stringify(reply));
    // An answer NATS cannot carry must not throw here (nothing awaits this handler): the caller
    // gets a refusal it can report instead. (Only a run's sealed secrets can grow this large.)
    const maxPayload = this.nats.info?.max_payload ?? 1024 * 1024;
    if (bytes.length > maxPayload) {
      this.logger.warn('agent service answer too large for NATS', {
        subject: message.subject,
        bytes: bytes.length,
      });
      bytes = encoder.encode(
        JSON.stringify({
          ok: false,
          error: {
            code: 'SECRETS_TOO_LARGE',
            message: `the answer is ${bytes.length} bytes, more than NATS carries (${maxPayload}): store fewer or smaller secrets for this operation`,
          },
        }),
      );
    }
    try {
      message.respond(bytes);
    } catch (error) {
      this.logger.error('agent service could not answer', {
        subject: message.subject,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async #heartbeat(request: Record<string, unknown>): Promise<object> {
    const agentId = str(request.agentId, 64);
    const [agent] = await selectRows<{ org_id: string }>(
      this.db,
      `SELECT org_id FROM agents WHERE id = $1`,
      [isUuid(agentId) ? agentId : '00000000-0000-0000-0000-000000000000'],
    );
    if (agent === undefined) throw new AgentError('NOT_FOUND', 'no such agent');
    const running = int(request.runningRuns);
    const capacity = int(request.maxConcurrentRuns);
    await inTenant(this.db, asOrgId(agent.org_id), (tx) =>
      changeRows(
        tx,
        `UPDATE agents SET last_heartbeat_at = now(), busy = $3,
                version = COALESCE($4, version), host = COALESCE($5, host)
         WHERE org_id = $1 AND id = $2 AND state = 'active'`,
        [
          agent.org_id,
          agentId,
          capacity > 0 && running >= capacity,
          typeof request.version === 'string' ? request.version.slice(0, 50) : null,
          typeof request.host === 'string' ? request.host.slice(0, 255) : null,
        ],
      ),
    );
    return {};
  }

  async #runStatus(request: Record<string, unknown>): Promise<{ cancelRequested: boolean }> {
    const orgId = str(request.orgId, 64);
    const runId = str(request.runId, 64);
    if (!isUuid(orgId) || !isUuid(runId)) return { cancelRequested: false };
    const rows = await inTenant(this.db, asOrgId(orgId), (tx) =>
      selectRows<{ cancelled: boolean }>(
        tx,
        `SELECT cancel_requested_at IS NOT NULL AS cancelled FROM runs WHERE org_id = $1 AND id = $2`,
        [orgId, runId],
      ),
    );
    return { cancelRequested: rows[0]?.cancelled ?? false };
  }

  /**
   * The stored values of a run's `vault:` secrets, for the agent executing it: only while the run
   * is unfinished and — once its start is recorded — running on that agent in that attempt (the
   * gateway took agent, organization, environment, run and attempt from the run's signed lease,
   * not from the agent's body; the start event may still be on its way), only the names the run's own
   * operation references, each decryption audited (`secret.resolve`, committed before any value
   * leaves), and each value sealed to the agent's one-time key for this attempt, so the gateway
   * and NATS carry only ciphertext.
   */
  async #runSecrets(
    request: Record<string, unknown>,
  ): Promise<{ secrets: Array<SealedValue & { name: string }> }> {
    const orgId = str(request.orgId, 64);
    const environmentId = str(request.environmentId, 64);
    const runId = str(request.runId, 64);
    const agentId = str(request.agentId, 64);
    const publicKey = str(request.publicKey, 100);
    const attempt = request.attempt;
    if (![orgId, environmentId, runId, agentId].every(isUuid) || typeof attempt !== 'number') {
      throw new AgentError(
        'VALIDATION_FAILED',
        'a run secrets request names org, environment, run, agent and attempt',
      );
    }
    const [run] = await inTenant(this.db, asOrgId(orgId), (tx) =>
      selectRows<{ names: string[] | null }>(
        tx,
        `SELECT array(SELECT substr(s->>'reference', 7) FROM jsonb_array_elements(operation->'secrets') s
                      WHERE s->>'reference' LIKE 'vault:%') AS names
         FROM runs WHERE org_id = $1 AND environment_id = $2 AND id = $3
           AND status IN ('pending', 'running')
           AND (attempts < $5 OR (agent_id = $4 AND attempts = $5))`,
        [orgId, environmentId, runId, agentId, attempt],
      ),
    );
    if (run === undefined) {
      throw new AgentError(
        'RUN_NOT_RUNNING',
        'the run is not running on this agent in this attempt: its secrets are not handed out',
      );
    }
    // Checked before anything is decrypted (a decryption is audited): a raw 32-byte X25519 key.
    if (!/^[A-Za-z0-9_-]{43}$/.test(publicKey)) {
      throw new AgentError(
        'VALIDATION_FAILED',
        'publicKey must be a raw X25519 public key (base64url)',
      );
    }
    const names = run.names ?? [];
    if (names.length === 0) return { secrets: [] };
    let resolved;
    try {
      resolved = await this.vault.resolveForRun({
        orgId: asOrgId(orgId),
        environmentId,
        runId,
        actor: { type: 'agent', id: agentId },
        names,
      });
    } catch (error) {
      if (VaultError.is(error)) throw new AgentError('SECRET_NOT_FOUND', error.message);
      throw error;
    }
    const secrets = resolved.map((secret) => {
      if (!('value' in secret)) {
        throw new AgentError(
          'SECRET_NOT_FOUND',
          `secret ${secret.name} holds a reference, not a stored value`,
        );
      }
      return {
        name: secret.name,
        ...sealForRecipient(secret.value, publicKey, `${runId}|${secret.name}`),
      };
    });
    return { secrets };
  }
}

function str(value: unknown, max: number): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
