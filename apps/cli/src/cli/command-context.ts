import { ApiClient, segment } from '../api/api-client.js';
import { controlPlaneUrl, sameControlPlane } from '../config/control-plane-url.js';
import { readCredentials } from '../config/credentials.js';
import { CliError, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { Output } from '../output/output.js';
import { printable } from '../output/text.js';
import type { ProjectLibrary } from '../project/project-library.js';
import type { GlobalOptions } from './command-spec.js';

export interface EnvironmentRef {
  id: string;
  name: string;
}

/** What a command may use: the process, its options, the API (resolved on first use). */
export interface CommandContext {
  readonly io: CliIo;
  readonly global: GlobalOptions;
  readonly out: Output;
  readonly version: string;
  projectLibrary(): Promise<ProjectLibrary>;
  api(): Promise<ApiClient>;
  organizationId(): Promise<string>;
  /** The environment named by `value`, else --env, else WEFT_ENV; `flag` names it in errors. */
  environment(value?: string, flag?: string): Promise<EnvironmentRef>;
}

export interface ContextDependencies {
  version: string;
  loadProjectLibrary(): Promise<ProjectLibrary>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The control plane and API key for this command: WEFT_API_KEY first, else `weft login`'s file. */
async function resolveTarget(
  io: CliIo,
  global: GlobalOptions,
): Promise<{ url: URL; apiKey: string }> {
  const givenUrl = global.url ?? (io.env['WEFT_URL'] || undefined);
  const envKey = io.env['WEFT_API_KEY'] || undefined;
  if (envKey !== undefined) {
    const url = givenUrl ?? (await readCredentials(io))?.url;
    if (url === undefined)
      throw usageError('WEFT_API_KEY is set: give the control plane with --url or WEFT_URL');
    return { url: controlPlaneUrl(url), apiKey: envKey.trim() };
  }
  const stored = await readCredentials(io);
  if (stored === undefined) {
    throw new CliError(
      'auth',
      'not logged in: run weft login --url <control plane>, or set WEFT_API_KEY',
    );
  }
  const storedUrl = controlPlaneUrl(stored.url);
  if (givenUrl !== undefined && !sameControlPlane(controlPlaneUrl(givenUrl), storedUrl)) {
    // The stored key was checked against one control plane: never send it to another.
    throw usageError(
      `you are logged in to ${storedUrl.href}, not ${printable(givenUrl, 200)}: run weft login --url ${printable(givenUrl, 200)}, or set WEFT_API_KEY`,
    );
  }
  return { url: storedUrl, apiKey: stored.apiKey };
}

function environmentList(answer: unknown): EnvironmentRef[] {
  const items = Array.isArray(answer) ? answer : (answer as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items)) return [];
  return items.filter(
    (item): item is EnvironmentRef =>
      typeof item?.id === 'string' && typeof item?.name === 'string',
  );
}

export function createCommandContext(
  io: CliIo,
  global: GlobalOptions,
  dependencies: ContextDependencies,
): CommandContext {
  let client: Promise<ApiClient> | undefined;
  let organization: Promise<string> | undefined;
  let environments: Promise<EnvironmentRef[]> | undefined;
  const context: CommandContext = {
    io,
    global,
    out: new Output(io, global.json),
    version: dependencies.version,
    projectLibrary: () => dependencies.loadProjectLibrary(),
    api: () =>
      (client ??= resolveTarget(io, global).then(
        ({ url, apiKey }) =>
          new ApiClient({
            baseUrl: url,
            apiKey,
            userAgent: `weft-cli/${dependencies.version} node/${process.versions.node}`,
            signal: io.signal,
          }),
      )),
    organizationId: () =>
      (organization ??= (async () => {
        if (global.org !== undefined) return global.org;
        const session = await (
          await context.api()
        ).get<{ principal?: { orgId?: unknown } }>('auth/session', 'reading the session');
        const orgId = session?.principal?.orgId;
        if (typeof orgId !== 'string')
          throw new CliError('auth', 'the API key acts in no organization');
        return orgId;
      })()),
    async environment(value, flag = '--env') {
      const wanted = value ?? global.env ?? (io.env['WEFT_ENV'] || undefined);
      if (wanted === undefined)
        throw usageError(`give the environment with ${flag} <id|name> or WEFT_ENV`);
      if (isUuid(wanted)) return { id: wanted.toLowerCase(), name: wanted };
      environments ??= (async () => {
        const orgId = await context.organizationId();
        const answer = await (
          await context.api()
        ).get<unknown>(`organizations/${segment(orgId)}/environments`, 'listing the environments');
        return environmentList(answer);
      })();
      const known = await environments;
      const found =
        known.find((e) => e.name === wanted) ??
        singleOrUndefined(known.filter((e) => e.name.toLowerCase() === wanted.toLowerCase()));
      if (found !== undefined) return found;
      const names = known.map((e) => printable(e.name, 60)).join(', ') || 'none';
      throw new CliError(
        'not_found',
        `no environment named ${printable(wanted, 60)} (environments: ${names})`,
      );
    },
  };
  return context;
}

function singleOrUndefined<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}
