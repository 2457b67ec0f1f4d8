import { BlockList, isIP } from 'node:net';
import { normalizeHost } from '../egress/rules.js';

/**
 * NO_PROXY semantics as curl and most tools read them: comma/space separated; '*' bypasses
 * everything; 'example.com' and '.example.com' match the name and its subdomains; an entry may
 * carry ':port'; addresses and CIDRs match address literals.
 */
export function compileNoProxy(
  list: string | readonly string[] | undefined,
): (host: string, port: number) => boolean {
  const entries = (typeof list === 'string' ? list.split(/[\s,]+/) : (list ?? []))
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
  if (entries.includes('*')) return () => true;
  const networks = new BlockList();
  const names: Array<{ name: string; port?: number }> = [];
  for (const entry of entries) {
    const [network, prefix] = entry.split('/');
    const family = isIP(normalizeHost(network ?? ''));
    if (family !== 0) {
      const max = family === 4 ? 32 : 128;
      networks.addSubnet(
        normalizeHost(network ?? ''),
        prefix === undefined ? max : Number(prefix),
        family === 4 ? 'ipv4' : 'ipv6',
      );
      continue;
    }
    const portMatch = /^(.*):(\d+)$/.exec(entry);
    const name = normalizeHost((portMatch?.[1] ?? entry).replace(/^\*?\./, ''));
    names.push(portMatch?.[2] ? { name, port: Number(portMatch[2]) } : { name });
  }
  return (rawHost, port) => {
    const host = normalizeHost(rawHost);
    const family = isIP(host);
    if (family !== 0 && networks.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
    return names.some(
      (entry) =>
        (entry.port === undefined || entry.port === port) &&
        (host === entry.name || host.endsWith(`.${entry.name}`)),
    );
  };
}
