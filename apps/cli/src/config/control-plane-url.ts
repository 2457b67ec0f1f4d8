import { usageError } from '../errors.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The control plane's base URL, checked once: https (plain http only for a loopback host, as the
 * agent allows for its gateway: an API key must not cross a network in clear text), no user
 * info, query or fragment. The path is kept (a control plane behind a path prefix) and ends
 * with `/` so API paths resolve below it.
 */
export function controlPlaneUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`--url: not a URL: ${text.slice(0, 80)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw usageError('--url must be an https URL');
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw usageError(
      '--url must be an https URL (plain http is accepted only for a loopback host)',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw usageError('--url must not carry a user name or password');
  }
  if (url.search !== '' || url.hash !== '') {
    throw usageError('--url must not carry a query or a fragment');
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** Two base URLs name the same control plane (what a stored API key is bound to). */
export function sameControlPlane(a: URL, b: URL): boolean {
  return a.href === b.href;
}
