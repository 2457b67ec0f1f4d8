import { BlockList, isIP } from 'node:net';

/** Why an address is not on the public internet. */
export type AddressCategory =
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'shared address space (CGNAT)'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

interface Range {
  readonly network: string;
  readonly prefix: number;
  readonly category: AddressCategory;
}

// Order matters: the first match names the category (broadcast before the reserved 240/4).
const IPV4_RANGES: readonly Range[] = [
  { network: '0.0.0.0', prefix: 8, category: 'unspecified' },
  { network: '127.0.0.0', prefix: 8, category: 'loopback' },
  { network: '169.254.0.0', prefix: 16, category: 'link-local' },
  { network: '10.0.0.0', prefix: 8, category: 'private' },
  { network: '172.16.0.0', prefix: 12, category: 'private' },
  { network: '192.168.0.0', prefix: 16, category: 'private' },
  { network: '100.64.0.0', prefix: 10, category: 'shared address space (CGNAT)' },
  { network: '224.0.0.0', prefix: 4, category: 'multicast' },
  { network: '255.255.255.255', prefix: 32, category: 'broadcast' },
  // IETF protocol assignments, benchmarking and the old class E: never a SaaS endpoint.
  { network: '192.0.0.0', prefix: 24, category: 'reserved' },
  { network: '198.18.0.0', prefix: 15, category: 'reserved' },
  { network: '240.0.0.0', prefix: 4, category: 'reserved' },
];

const IPV6_RANGES: readonly Range[] = [
  { network: '::', prefix: 128, category: 'unspecified' },
  { network: '::1', prefix: 128, category: 'loopback' },
  // The rest of ::/96 (IPv4-compatible forms are unwrapped before this list is consulted).
  { network: '::', prefix: 96, category: 'reserved' },
  { network: 'fe80::', prefix: 10, category: 'link-local' },
  { network: 'fc00::', prefix: 7, category: 'private' },
  // Deprecated site-local addresses still route inside some networks.
  { network: 'fec0::', prefix: 10, category: 'private' },
  { network: 'ff00::', prefix: 8, category: 'multicast' },
];

const rangeLists = new Map<Range, BlockList>();
function listFor(range: Range): BlockList {
  let list = rangeLists.get(range);
  if (!list) {
    list = new BlockList();
    list.addSubnet(range.network, range.prefix, isIP(range.network) === 4 ? 'ipv4' : 'ipv6');
    rangeLists.set(range, list);
  }
  return list;
}

/** Parses an IPv6 literal (no brackets, optional zone) into 16 bytes, or undefined. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  const bare = address.split('%')[0] ?? '';
  if (isIP(bare) !== 6) return undefined;
  let text = bare;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const parts = dotted[1].split('.').map(Number);
    tail.push(((parts[0] ?? 0) << 8) | (parts[1] ?? 0), ((parts[2] ?? 0) << 8) | (parts[3] ?? 0));
    text = text.slice(0, -dotted[1].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const toGroups = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => parseInt(group, 16));
  const left = toGroups(head);
  const right = [...toGroups(rest ?? ''), ...tail];
  const missing = 8 - left.length - right.length;
  const groups =
    rest === undefined
      ? [...left, ...tail]
      : [...left, ...new Array<number>(missing).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function dottedFrom(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

const allZero = (bytes: Uint8Array, from: number, to: number): boolean =>
  bytes.slice(from, to).every((byte) => byte === 0);

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach an IPv4 host: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::).
 */
export function embeddedIpv4(address: string): { ipv4: string; form: string } | undefined {
  const bytes = ipv6Bytes(address);
  if (!bytes) return undefined;
  if (allZero(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return { ipv4: dottedFrom(bytes, 12), form: 'IPv4-mapped IPv6' };
  }
  // ::/96 minus :: and ::1, which are IPv6's own unspecified and loopback addresses.
  if (allZero(bytes, 0, 12) && !allZero(bytes, 12, 15)) {
    return { ipv4: dottedFrom(bytes, 12), form: 'IPv4-compatible IPv6' };
  }
  if (
    bytes[0] === 0x00 &&
    bytes[1] === 0x64 &&
    bytes[2] === 0xff &&
    bytes[3] === 0x9b &&
    allZero(bytes, 4, 12)
  ) {
    return { ipv4: dottedFrom(bytes, 12), form: 'NAT64 IPv6' };
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02)
    return { ipv4: dottedFrom(bytes, 2), form: '6to4 IPv6' };
  return undefined;
}

/** The category of a non-public address (with the IPv6 form it was written in), or undefined when public. */
export function classifyAddress(address: string): string | undefined {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 4)
    return IPV4_RANGES.find((range) => listFor(range).check(address, 'ipv4'))?.category;
  if (family !== 6) return 'reserved';
  const embedded = embeddedIpv4(address);
  if (embedded) {
    const inner = classifyAddress(embedded.ipv4);
    return inner === undefined ? undefined : `${inner}, ${embedded.form}`;
  }
  const bare = address.split('%')[0] ?? '';
  return IPV6_RANGES.find((range) => listFor(range).check(bare, 'ipv6'))?.category;
}
