import { MessagingError } from './errors.js';

const SCHEMES = new Set(['nats:', 'tls:']);

/** Splits a comma-separated server list and checks each URL, without ever echoing one back. */
export function parseNatsServers(list: string): string[] {
  if (typeof list !== 'string' || list.trim() === '') {
    throw new MessagingError('INVALID_NATS_URL', 'NATS url is empty', { field: 'url' });
  }
  return list.split(',').map((entry, index) => {
    const server = entry.trim();
    let url: URL;
    try {
      url = new URL(server);
    } catch (error) {
      throw new MessagingError('INVALID_NATS_URL', `NATS url #${index + 1} is not a URL`, {
        field: 'url',
        cause: error,
      });
    }
    if (!SCHEMES.has(url.protocol) || url.hostname === '') {
      throw new MessagingError(
        'INVALID_NATS_URL',
        `NATS url #${index + 1} must be nats://host:port or tls://host:port`,
        {
          field: 'url',
        },
      );
    }
    return server;
  });
}

/** The URL with any user, password or token removed: safe for logs and error messages. */
export function redactNatsUrl(server: string): string {
  try {
    const url = new URL(server.includes('://') ? server : `nats://${server}`);
    const port = url.port ? `:${url.port}` : '';
    return `${url.protocol}//${url.hostname}${port}`;
  } catch {
    return '(unparseable url)';
  }
}

/** Replaces every occurrence of a known secret (and any URL userinfo) in free text. */
export function redactText(text: string, secrets: (string | undefined)[]): string {
  let result = text.replace(/(\w+:\/\/)[^/@\s]*@/g, '$1***@');
  for (const secret of secrets) {
    if (secret && secret.length >= 3) result = result.split(secret).join('***');
  }
  return result;
}
