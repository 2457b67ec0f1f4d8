import { DEFAULT_TIMEOUT_MS } from '../api/api-client.js';
import { readApiError, transportFailure } from '../api/api-errors.js';
import { CliError } from '../errors.js';
import { printable } from '../output/text.js';

/** What `POST /api/v1/auth/cli/token` answers: the key (once) and whom it acts for. */
export interface CliLoginAnswer {
  token: string;
  key: { id: string; name: string; prefix: string; expiresAt: string | null };
  user: { id: string; email: string };
  organization: { id: string; slug: string; name: string };
}

const TOKEN = /^weft_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function answerOf(body: unknown): CliLoginAnswer | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { token, key, user, organization } = body as Record<string, Record<string, unknown>>;
  if (typeof token !== 'string' || !TOKEN.test(token)) return undefined;
  if (typeof key !== 'object' || typeof user !== 'object' || typeof organization !== 'object') {
    return undefined;
  }
  return {
    token,
    key: {
      id: text(key?.['id']),
      name: text(key?.['name']),
      prefix: text(key?.['prefix']),
      expiresAt: typeof key?.['expiresAt'] === 'string' ? key['expiresAt'] : null,
    },
    user: { id: text(user?.['id']), email: text(user?.['email']) },
    organization: {
      id: text(organization?.['id']),
      slug: text(organization?.['slug']),
      name: text(organization?.['name']),
    },
  };
}

/**
 * Trades the one-time code and the PKCE verifier for an API key. No credentials go with it (the
 * verifier is the proof); redirects are not followed, and a refusal is an authentication error.
 */
export async function exchangeCode(
  baseUrl: URL,
  grant: { code: string; verifier: string },
  options: { userAgent: string; signal?: AbortSignal; timeoutMs?: number },
): Promise<CliLoginAnswer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = new URL('api/v1/auth/cli/token', baseUrl);
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (options.signal) signals.push(options.signal);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': options.userAgent,
      },
      body: JSON.stringify(grant),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    throw transportFailure(error, url.origin, timeoutMs);
  }
  const raw = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    body = undefined;
  }
  if (response.ok) {
    const answer = answerOf(body);
    if (answer === undefined) {
      throw new CliError('failed', 'signing in: the control plane sent an answer without a key');
    }
    return answer;
  }
  const { code, message } = readApiError(body);
  const reason =
    response.status >= 500 || message === undefined
      ? `the control plane answered HTTP ${response.status}`
      : printable(message, 300);
  const kind = response.status >= 400 && response.status < 500 && response.status !== 429;
  throw new CliError(kind ? 'auth' : 'failed', `signing in: ${reason}${code ? ` (${code})` : ''}`, {
    ...(code ? { apiCode: code } : {}),
  });
}
