import { BlockList, isIP } from 'node:net';
import { ConnectorError } from '../errors.js';
import { embeddedIpv4 } from './ip.js';

/**
 * A compiled allow or deny list: CIDRs ('10.1.0.0/16', 'fd00::/8'), single addresses, and host
 * names, exact ('db.example.com') or by suffix ('*.example.com', which does not match example.com).
 */
export interface NetworkRules {
  matchesHost(host: string): boolean;
  matchesAddress(address: string): boolean;
  readonly empty: boolean;
}

export function normalizeHost(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name;
}

const HOST_NAME =
  /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function compileRules(entries: readonly string[] = [], field: string): NetworkRules {
  const addresses = new BlockList();
  const exact = new Set<string>();
  const suffixes: string[] = [];
  entries.forEach((raw, index) => {
    const entry = normalizeHost(raw);
    const [network, prefixText] = entry.split('/') as [string, string | undefined];
    const family = isIP(network);
    if (family !== 0) {
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (
        !Number.isInteger(prefix) ||
        prefix < 0 ||
        prefix > max ||
        (prefixText !== undefined && !/^\d+$/.test(prefixText))
      ) {
        throw new ConnectorError(
          'invalid_config',
          `${field}[${index}] has an invalid prefix length`,
        );
      }
      addresses.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6');
      return;
    }
    if (prefixText !== undefined || !HOST_NAME.test(entry)) {
      throw new ConnectorError(
        'invalid_config',
        `${field}[${index}] is neither a CIDR, an address nor a host name`,
      );
    }
    if (entry.startsWith('*.')) suffixes.push(entry.slice(1));
    else exact.add(entry);
  });
  return {
    empty: entries.length === 0,
    matchesHost(host) {
      const name = normalizeHost(host);
      return exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix));
    },
    matchesAddress(address) {
      const family = isIP(address);
      if (family === 0) return false;
      if (addresses.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
      // An allow-listed 10.0.0.0/8 also covers ::ffff:10.0.0.5 (and a denied one denies it).
      const inner = family === 6 ? embeddedIpv4(address) : undefined;
      return inner !== undefined && addresses.check(inner.ipv4, 'ipv4');
    },
  };
}
