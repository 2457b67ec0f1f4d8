import { ApiClient, segment } from '../api/api-client.js';
import type { CommandContext } from '../cli/command-context.js';
import { writeCredentials } from '../config/credentials.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { printable } from '../output/text.js';
import { DEFAULT_WAIT_MS, listenForCallback } from './loopback-listener.js';
import { createPkce, createState } from './pkce.js';
import { exchangeCode } from './token-exchange.js';

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The organization's slug, as in its sign-in address (`/api/v1/auth/sso/<slug>`). */
export function organizationSlug(value: string | undefined): string {
  if (value === undefined) {
    throw usageError(
      'give the organization to sign in to with --org <slug> (as in its sign-in address)',
    );
  }
  if (!SLUG.test(value)) {
    throw usageError(
      `--org must be the organization's slug (lower-case letters, digits and -), not ${printable(value, 80)}`,
    );
  }
  return value;
}

/** Where the browser starts: the control plane's CLI sign-in for the organization. */
export function signInAddress(
  baseUrl: URL,
  slug: string,
  login: { port: number; state: string; challenge: string },
): URL {
  const url = new URL(`api/v1/auth/cli/sso/${segment(slug)}`, baseUrl);
  url.searchParams.set('port', String(login.port));
  url.searchParams.set('state', login.state);
  url.searchParams.set('challenge', login.challenge);
  return url;
}

/**
 * `weft login --sso`: browser single sign-on (RFC 8252 loopback redirect with PKCE). Waits on
 * 127.0.0.1 for the browser to come back with a one-time code, trades it with the verifier that
 * never left this process for an API key with the person's roles, checks that key, and stores it
 * the way `weft login` stores a key given to it.
 */
export async function ssoLogin(
  context: CommandContext,
  baseUrl: URL,
  slug: string,
  waitMs: number = DEFAULT_WAIT_MS,
): Promise<number> {
  const { io, out } = context;
  const userAgent = `weft-cli/${context.version}`;
  const { verifier, challenge } = createPkce();
  const state = createState();
  const listener = await listenForCallback({ state, timeoutMs: waitMs, signal: io.signal });
  try {
    const address = signInAddress(baseUrl, slug, { port: listener.port, state, challenge });
    const opened = await io.openBrowser(address.href);
    out.progress(
      opened
        ? `your browser is open to sign in to ${slug}; if it is not, open this address:`
        : `open this address in your browser to sign in to ${slug}:`,
    );
    out.progress(`  ${address.href}`);
    out.progress(`waiting for the sign-in (up to ${Math.round(waitMs / 60_000)} minutes)…`);
    const code = await listener.code;
    const answer = await exchangeCode(
      baseUrl,
      { code, verifier },
      { userAgent, signal: io.signal },
    );
    // The same check `weft login` makes of a key it is given, before it is stored.
    const client = new ApiClient({ baseUrl, apiKey: answer.token, userAgent, signal: io.signal });
    const session = await client.get<{ principal?: { orgId?: unknown } }>(
      'auth/session',
      'checking the new API key',
    );
    if (session?.principal?.orgId !== answer.organization.id) {
      throw new CliError(
        'auth',
        'the control plane did not confirm the new key in the organization it was made for',
      );
    }
    const path = await writeCredentials(io, { url: baseUrl.href, apiKey: answer.token });
    const expires = answer.key.expiresAt === null ? 'never' : answer.key.expiresAt.slice(0, 10);
    out.result(
      {
        url: baseUrl.href,
        user: answer.user,
        organization: answer.organization,
        key: answer.key,
        credentialsFile: path,
      },
      [
        `logged in to ${baseUrl.href} as ${printable(answer.user.email, 320)} in organization ${printable(answer.organization.slug, 80)} (${printable(answer.organization.name, 120)})`,
        `API key "${printable(answer.key.name, 100)}" (weft_${printable(answer.key.prefix, 20)}_…) with your roles, expires ${printable(expires, 20)}; revoke it in the console when you no longer need it`,
        `credentials stored in ${path}`,
      ],
    );
    return EXIT.ok;
  } finally {
    listener.close();
  }
}
