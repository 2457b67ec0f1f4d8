import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ApiClient } from '../api/api-client.js';
import type { CommandSpec } from '../cli/command-spec.js';
import { stringOption } from '../cli/command-line.js';
import { controlPlaneUrl } from '../config/control-plane-url.js';
import { removeCredentials, writeCredentials } from '../config/credentials.js';
import { CliError, EXIT, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { printable } from '../output/text.js';
import { organizationSlug, ssoLogin } from '../sso/sso-login.js';

const MAX_KEY_FILE_BYTES = 4096;

interface SessionAnswer {
  principal?: { kind?: unknown; id?: unknown; orgId?: unknown };
}

/** The key from exactly one place: stdin, a file, or WEFT_API_KEY (never an argument). */
async function readApiKey(
  io: CliIo,
  fromStdin: boolean,
  file: string | undefined,
): Promise<string> {
  if (fromStdin && file !== undefined)
    throw usageError('give either --api-key-stdin or --api-key-file, not both');
  let text: string;
  if (fromStdin) {
    text = await io.readStdin();
  } else if (file !== undefined) {
    const path = resolve(io.cwd, file);
    const content = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw usageError(`--api-key-file: cannot read ${path} (${error.code ?? error.message})`);
    });
    if (content.length > MAX_KEY_FILE_BYTES)
      throw usageError(`--api-key-file: ${path} is too large for an API key`);
    text = content.toString('utf8');
  } else if (io.env['WEFT_API_KEY']) {
    text = io.env['WEFT_API_KEY'];
  } else {
    throw usageError(
      'give the API key with --api-key-stdin, --api-key-file <path> or WEFT_API_KEY',
    );
  }
  const key = text.trim();
  if (key === '' || /\s/.test(key) || key.length > 512) {
    // Never echo what was read: it may be a key, or something else secret.
    throw usageError('the API key read is empty or not a single token');
  }
  return key;
}

export const login: CommandSpec = {
  name: 'login',
  summary:
    'sign in (an API key, or single sign-on in the browser) and keep the key for the next commands',
  usage: '--url <url> [--api-key-stdin | --api-key-file <path> | --sso --org <slug>]',
  options: {
    'api-key-stdin': { type: 'boolean' },
    'api-key-file': { type: 'string' },
    sso: { type: 'boolean' },
  },
  optionHelp: [
    ['--api-key-stdin', 'read the API key from standard input'],
    ['--api-key-file <path>', 'read the API key from a file'],
    [
      '--sso',
      "sign in through the organization's identity provider in the browser (with --org <slug>)",
    ],
  ],
  positionals: [],
  notes: `The key is never given as an argument (it would show in ps and the shell history). Without a flag,
WEFT_API_KEY is used. The key is checked (GET /api/v1/auth/session) and stored with the URL in
$WEFT_CONFIG_DIR/credentials.json (default ~/.config/weft/credentials.json), mode 0600.
In CI, skip weft login: set WEFT_API_KEY and WEFT_URL (or --url).

--sso opens the browser at the organization's single sign-on (--org names it by slug) and waits
up to 5 minutes on 127.0.0.1 for it to come back; the control plane then makes an API key with
your roles (30 days, named "weft CLI (SSO)"), stored like any other. The browser must run on this
machine; over SSH, use an API key.`,
  async run(context, { values }) {
    const { io, out } = context;
    const given = context.global.url ?? (io.env['WEFT_URL'] || undefined);
    if (values['sso'] === true) {
      if (values['api-key-stdin'] === true || values['api-key-file'] !== undefined) {
        throw usageError('--sso signs in through the browser: give no API key with it');
      }
      const slug = organizationSlug(context.global.org);
      if (given === undefined)
        throw usageError('give the control plane with --url <url> (or WEFT_URL)');
      return ssoLogin(context, controlPlaneUrl(given), slug);
    }
    if (given === undefined)
      throw usageError('give the control plane with --url <url> (or WEFT_URL)');
    const url = controlPlaneUrl(given);
    const apiKey = await readApiKey(
      io,
      values['api-key-stdin'] === true,
      stringOption(values, 'api-key-file'),
    );
    const client = new ApiClient({
      baseUrl: url,
      apiKey,
      userAgent: `weft-cli/${context.version}`,
      signal: io.signal,
    });
    const session = await client.get<SessionAnswer>('auth/session', 'checking the API key');
    const principal = session?.principal ?? {};
    if (typeof principal.id !== 'string' || typeof principal.orgId !== 'string') {
      throw new CliError(
        'auth',
        'the control plane did not confirm an identity in an organization for this key',
      );
    }
    const path = await writeCredentials(io, { url: url.href, apiKey });
    out.result(
      {
        url: url.href,
        principal: { kind: principal.kind, id: principal.id, orgId: principal.orgId },
        credentialsFile: path,
      },
      [
        `logged in to ${url.href} as ${printable(principal.kind, 20)} ${printable(principal.id, 80)} (organization ${printable(principal.orgId, 80)})`,
        `credentials stored in ${path}`,
      ],
    );
    return EXIT.ok;
  },
};

export const logout: CommandSpec = {
  name: 'logout',
  summary: 'forget the stored API key (it stays valid until revoked in the console)',
  usage: '',
  options: {},
  optionHelp: [],
  positionals: [],
  async run(context) {
    const { path, removed } = await removeCredentials(context.io);
    context.out.result({ removed, credentialsFile: path }, [
      removed ? `logged out: removed ${path}` : `not logged in (no ${path})`,
    ]);
    return EXIT.ok;
  },
};
