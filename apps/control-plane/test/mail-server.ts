import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
}

export interface TestMailServer {
  url: string;
  received: ReceivedMail[];
  /** The first link in the newest message to `to` with `path`, and its token. */
  tokenFor(to: string, path: string): string | undefined;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a loopback port (the `smtp-server` package) that keeps what it
 * receives, for tests of mail the control plane sends. Plain SMTP: STARTTLS is not offered.
 */
export async function startTestMailServer(): Promise<TestMailServer> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
        const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
        // Quoted-printable soft line breaks and escapes, as nodemailer writes long lines.
        const body = rest
          .join('\n\n')
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          subject,
          text: body,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    tokenFor(to, path) {
      const mail = [...received].reverse().find((m) => m.to.includes(to) && m.text.includes(path));
      return mail && new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text)?.[1];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
