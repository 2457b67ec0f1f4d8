import { isIP } from 'node:net';

/**
 * Whether `host:port` is reached without the proxy, per the agent's noProxy list: `*`, host names
 * (matching their subdomains too), `.suffix` / `*.suffix`, IP addresses, each with an optional `:port`.
 */
export function bypassesProxy(noProxy: readonly string[], host: string, port: number): boolean {
  const target = bare(host).toLowerCase();
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === '*') return true;
    const { name, entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) return false;
    if (isIP(name) !== 0) return name === target;
    const suffix = name.replace(/^\*?\./, '');
    return target === suffix || target.endsWith(`.${suffix}`);
  });
}

function splitPort(entry: string): { name: string; entryPort: number | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) {
    return { name: bracketed[1] ?? '', entryPort: toPort(bracketed[2]) };
  }
  if (isIP(entry) === 6) return { name: entry, entryPort: undefined };
  const withPort = /^(.*):(\d+)$/.exec(entry);
  return withPort === null
    ? { name: entry, entryPort: undefined }
    : { name: withPort[1] ?? '', entryPort: toPort(withPort[2]) };
}

function toPort(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
