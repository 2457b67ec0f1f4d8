import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailTransport } from './mail-outbox.js';

/** SMTP through nodemailer: `smtp://` (STARTTLS when the server offers it) or `smtps://`. */
export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    async send(message) {
      await transporter.sendMail(message);
    },
  };
}

/** Development: each message becomes an .eml file in `directory` (0600), nothing is sent. */
export function directoryTransport(directory: string): MailTransport {
  return {
    async send(message) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
      const text = [
        `From: ${message.from}`,
        `To: ${message.to}`,
        `Subject: ${message.subject}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        message.text,
      ].join('\n');
      await writeFile(join(directory, name), text, { mode: 0o600 });
    },
  };
}
