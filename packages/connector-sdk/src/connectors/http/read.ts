import type { ConnectorContext, ConnectorRecord } from '../../contract.js';
import { ConnectorError } from '../../errors.js';
import type { HttpResponse } from '../../http/client.js';
import type { TokenCache } from './auth.js';
import type { HttpConnectorConfig } from './config.js';
import { openSession, withQuery } from './session.js';

/** Follows a dotted path ('data.items', 'meta.next') through objects and arrays. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function recordsOf(
  payload: unknown,
  recordsPath: string | undefined,
  where: string,
): ConnectorRecord[] {
  const found = recordsPath === undefined ? payload : valueAt(payload, recordsPath);
  const list = Array.isArray(found)
    ? found
    : recordsPath === undefined && typeof found === 'object' && found !== null
      ? [found]
      : undefined;
  if (!list) {
    throw new ConnectorError(
      'remote_error',
      `${where}: no array of records at ${recordsPath ?? 'the top level'}`,
      { retryable: false },
    );
  }
  // Non-object items (e.g. an array of ids) become { value: item } so every record is an object.
  return list.map((item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? (item as ConnectorRecord)
      : { value: item },
  );
}

/** The rel="next" target of a Link header (RFC 8288), or undefined. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(match[2] ?? ''))
      return match[1];
  }
  return undefined;
}

export async function* readHttp(
  config: HttpConnectorConfig,
  ctx: ConnectorContext,
  tokens: TokenCache,
): AsyncIterable<readonly ConnectorRecord[]> {
  const session = openSession(config, ctx, tokens);
  const method = config.method ?? 'GET';
  const paging = config.pagination;
  const origin = new URL(config.url).origin;
  try {
    let url: URL | undefined = withQuery(config.url, config.query);
    let page = paging.kind === 'page-number' ? (paging.start ?? 1) : 0;
    for (let pages = 0; url !== undefined; pages += 1) {
      if (ctx.signal.aborted) throw new ConnectorError('cancelled', 'the run was cancelled');
      if (pages >= config.maxPages) {
        throw new ConnectorError(
          'remote_error',
          `more than ${config.maxPages} pages; raise maxPages if this is expected`,
        );
      }
      if (paging.kind === 'page-number') {
        url = withQuery(
          url,
          { [paging.param]: String(page) },
          paging.size && paging.sizeParam ? { [paging.sizeParam]: String(paging.size) } : {},
        );
      }
      const response: HttpResponse = await session.call(url, method);
      const records = recordsOf(response.json(), config.recordsPath, `${url.host}${url.pathname}`);
      if (records.length > 0) yield records;
      url = nextPage(records.length, response);
      page += 1;
    }
  } finally {
    await session.close();
  }

  function nextPage(count: number, response: HttpResponse): URL | undefined {
    switch (paging.kind) {
      case 'none':
        return undefined;
      case 'page-number':
        return count === 0 || (paging.size !== undefined && count < paging.size)
          ? undefined
          : new URL(response.url);
      case 'link-header': {
        const link = nextLink(response.headers.link);
        if (link === undefined) return undefined;
        const next = new URL(link, response.url);
        // Credentials go with every page: never follow a next link to another origin.
        if (next.origin !== origin) {
          throw new ConnectorError(
            'remote_error',
            `the next-page link leaves ${origin}; refusing to follow it`,
            { retryable: false },
          );
        }
        return next;
      }
      case 'cursor': {
        const cursor = valueAt(response.json(), paging.path);
        if (cursor === undefined || cursor === null || cursor === '' || count === 0)
          return undefined;
        return withQuery(response.url, { [paging.param]: String(cursor) });
      }
    }
  }
}
