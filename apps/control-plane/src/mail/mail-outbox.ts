import { randomUUID } from 'node:crypto';
import { DataKey, decryptField, encryptField } from '@weft/crypto';
import type { Logger } from '@weft/log-schema';
import type { DataSource } from 'typeorm';
import { changeRows, selectRows, type Queryable } from '../database/sql.js';
import type { KeyEncryptionKeys } from '../keys/key-providers.js';
import { renderMail, type MailTemplate, type TemplateParams } from './templates.js';

/** Where messages go: SMTP in production, a folder of .eml files in development. */
export interface MailTransport {
  send(message: { from: string; to: string; subject: string; text: string }): Promise<void>;
}

export interface MailSettings {
  from: string;
  /** The web address people open links at, e.g. https://weft.example.com (no trailing slash). */
  publicUrl: string;
  pollMs: number;
  maxAttempts: number;
}

interface OutboxRow {
  id: string;
  recipient: string;
  template: MailTemplate;
  provider: string;
  kek_id: string;
  wrapped_key: string;
  params_sealed: string;
  attempts: number;
}

const BATCH = 20;

function binding(id: string) {
  return { orgId: 'installation', recordType: 'mail_outbox', recordId: id, field: 'params' };
}

/**
 * Mail leaves through an outbox: a message is written in the transaction that caused it (so a
 * rolled-back registration sends nothing, and a committed one is never lost), and a dispatcher
 * delivers it afterwards with retries. The parameters — the one-time links — are encrypted
 * under a key of their own, wrapped by the KEK, and both are erased once the message is sent or
 * given up on.
 */
export class MailOutbox {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #warnedUnconfigured = false;

  constructor(
    private readonly db: DataSource,
    private readonly kek: KeyEncryptionKeys,
    private readonly transport: MailTransport | undefined,
    private readonly settings: MailSettings,
    private readonly logger: Logger,
  ) {}

  get publicUrl(): string {
    return this.settings.publicUrl;
  }

  /** Queues a message in `tx` (the caller's transaction). */
  async enqueue<T extends MailTemplate>(
    tx: Queryable,
    to: string,
    template: T,
    params: TemplateParams[T],
  ): Promise<void> {
    const id = randomUUID();
    const { plaintext, wrapped } = await this.kek.generateDataKey({
      orgId: `mail:${id}`,
      keyVersion: 1,
    });
    const key = new DataKey(1, plaintext);
    try {
      const ciphertext = encryptField(key, JSON.stringify(params), binding(id));
      await tx.query(
        `INSERT INTO mail_outbox (id, recipient, template, provider, kek_id, wrapped_key, params_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, to, template, wrapped.provider, wrapped.kekId, wrapped.blob, ciphertext],
      );
    } finally {
      key.destroy();
      plaintext.fill(0);
    }
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.deliverDue(), this.settings.pollMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Sends what is due now (one pass; concurrent replicas share the work by row locks). */
  deliverDue(): Promise<void> {
    this.#running ??= this.#deliver().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #deliver(): Promise<void> {
    if (this.transport === undefined) {
      if (!this.#warnedUnconfigured) {
        this.#warnedUnconfigured = true;
        this.logger.warn(
          'mail is not configured (WEFT_SMTP_URL or WEFT_MAIL_DIRECTORY): messages wait in the outbox',
        );
      }
      return;
    }
    try {
      for (;;) {
        const sent = await this.db.transaction(async (tx) => {
          const rows = await selectRows<OutboxRow>(
            tx,
            `SELECT id, recipient, template, provider, kek_id, wrapped_key, params_sealed, attempts
             FROM mail_outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
            [BATCH],
          );
          for (const row of rows) await this.#send(tx, row);
          return rows.length;
        });
        if (sent < BATCH) return;
      }
    } catch (error) {
      this.logger.error('mail delivery pass failed', { err: error });
    }
  }

  async #send(tx: Queryable, row: OutboxRow): Promise<void> {
    try {
      const plaintext = await this.kek.unwrapDataKey(
        { provider: row.provider, kekId: row.kek_id, blob: row.wrapped_key },
        { orgId: `mail:${row.id}`, keyVersion: 1 },
      );
      const key = new DataKey(1, plaintext);
      let params: unknown;
      try {
        const bytes = await decryptField(() => key, row.params_sealed, binding(row.id));
        params = JSON.parse(bytes.toString('utf8'));
      } finally {
        key.destroy();
        plaintext.fill(0);
      }
      const rendered = renderMail(row.template, params as never, this.settings.publicUrl);
      await this.transport!.send({ from: this.settings.from, to: row.recipient, ...rendered });
      await tx.query(
        `UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1,
           provider = NULL, kek_id = NULL, wrapped_key = NULL, params_sealed = NULL, last_error = NULL
         WHERE id = $1`,
        [row.id],
      );
    } catch (error) {
      const attempts = row.attempts + 1;
      const giveUp = attempts >= this.settings.maxAttempts;
      // The reason names the failure class only: transport errors may quote addresses.
      const reason = error instanceof Error ? error.name : 'Error';
      await changeRows(
        tx,
        giveUp
          ? `UPDATE mail_outbox SET attempts = $2, failed_at = now(), last_error = $3,
               provider = NULL, kek_id = NULL, wrapped_key = NULL, params_sealed = NULL WHERE id = $1`
          : `UPDATE mail_outbox SET attempts = $2, last_error = $3,
               next_attempt_at = now() + make_interval(secs => least(3600, 15 * power(2, $2))) WHERE id = $1`,
        [row.id, attempts, reason],
      );
      this.logger.warn(giveUp ? 'mail delivery gave up' : 'mail delivery failed; will retry', {
        mailId: row.id,
        template: row.template,
        attempts,
        err: error,
      });
    }
  }
}
