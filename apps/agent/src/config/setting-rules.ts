import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** True for `localhost`, 127.0.0.0/8 and ::1 — the only hosts the gateway may be reached on over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host =
    hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Why a gateway URL is unusable, or undefined when it is fine. Never echoes the value. */
export function gatewayUrlProblem(value: unknown): string | undefined {
  const url = parseUrl(value);
  if (url === undefined) return 'must be an https URL';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return 'must be an https URL (plain http is accepted only for a loopback host)';
  }
  // The agent proves who it is with its own key pair; credentials in the URL would end up in logs.
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  if (url.search !== '' || url.hash !== '') return 'must not contain a query or fragment';
  return undefined;
}

export function proxyUrlProblem(value: unknown): string | undefined {
  const url = parseUrl(value);
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return 'must be an http:// or https:// proxy URL';
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return 'must be a proxy origin such as http://proxy.example.com:3128 (no path, query or fragment)';
  }
  return undefined;
}

// A no_proxy entry: a host name or domain suffix (`internal.example.com`, `.example.com`,
// `*.example.com`), an IPv4 address, an IPv6 address (bare or in brackets), each with an optional port.
const NO_PROXY_HOST =
  /^(?:\*\.|\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*(?::\d{1,5})?$/;
const NO_PROXY_BRACKETED_IPV6 = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/;

export function isNoProxyEntry(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (value === '*') return true;
  if (isIP(value) === 6) return true;
  const bracketed = NO_PROXY_BRACKETED_IPV6.exec(value);
  if (bracketed !== null) return isIP(bracketed[1] ?? '') === 6;
  return NO_PROXY_HOST.test(value);
}

export function IsGatewayUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isGatewayUrl',
      validator: {
        validate: (value) => gatewayUrlProblem(value) === undefined,
        defaultMessage: (args) => gatewayUrlProblem(args?.value) ?? 'must be an https URL',
      },
    },
    options,
  );
}

export function IsProxyUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isProxyUrl',
      validator: {
        validate: (value) => proxyUrlProblem(value) === undefined,
        defaultMessage: (args) => proxyUrlProblem(args?.value) ?? 'must be a proxy URL',
      },
    },
    options,
  );
}

export function IsNoProxyEntry(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNoProxyEntry',
      validator: { validate: isNoProxyEntry },
    },
    { message: 'must list host names, domain suffixes or IP addresses', ...options },
  );
}

/** An absolute path without NUL bytes (which no file system call accepts). */
export function IsAbsolutePath(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAbsolutePath',
      validator: {
        validate: (value) =>
          typeof value === 'string' && isAbsolute(value) && !value.includes('\0'),
      },
    },
    { message: 'must be an absolute path', ...options },
  );
}
