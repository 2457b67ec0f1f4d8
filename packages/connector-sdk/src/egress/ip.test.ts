import { classifyAddress, embeddedIpv4, ipv6Bytes } from './ip.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared address space (CGNAT)'],
    ['100.127.255.255', 'shared address space (CGNAT)'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::2', 'reserved'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback, IPv4-mapped IPv6'],
    ['::ffff:7f00:1', 'loopback, IPv4-mapped IPv6'],
    ['::ffff:169.254.169.254', 'link-local, IPv4-mapped IPv6'],
    ['::ffff:a9fe:a9fe', 'link-local, IPv4-mapped IPv6'],
    ['0:0:0:0:0:ffff:10.0.0.1', 'private, IPv4-mapped IPv6'],
    ['::127.0.0.1', 'loopback, IPv4-compatible IPv6'],
    ['::a00:1', 'private, IPv4-compatible IPv6'],
    ['64:ff9b::127.0.0.1', 'loopback, NAT64 IPv6'],
    ['64:ff9b::a9fe:a9fe', 'link-local, NAT64 IPv6'],
    ['64:ff9b::c0a8:101', 'private, NAT64 IPv6'],
    ['2002:7f00:1::', 'loopback, 6to4 IPv6'],
    ['2002:a9fe:a9fe::1', 'link-local, 6to4 IPv6'],
    ['not-an-address', 'reserved'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '11.0.0.1',
    '192.169.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    'fe00::1',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });
});

describe('IPv6 parsing', () => {
  it('expands compressed forms and embedded dotted quads to 16 bytes', () => {
    expect(Array.from(ipv6Bytes('::ffff:1.2.3.4') ?? [])).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4,
    ]);
    expect(Array.from(ipv6Bytes('1:2:3:4:5:6:7:8') ?? [])).toEqual([
      0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8,
    ]);
    expect(Array.from(ipv6Bytes('1::8') ?? [])).toEqual([
      0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8,
    ]);
    expect(ipv6Bytes('1.2.3.4')).toBeUndefined();
    expect(ipv6Bytes('1:::2')).toBeUndefined();
  });

  it('unwraps only the forms that reach an IPv4 host', () => {
    expect(embeddedIpv4('::ffff:10.1.2.3')).toEqual({ ipv4: '10.1.2.3', form: 'IPv4-mapped IPv6' });
    expect(embeddedIpv4('64:ff9b::1.2.3.4')).toEqual({ ipv4: '1.2.3.4', form: 'NAT64 IPv6' });
    expect(embeddedIpv4('::1')).toBeUndefined();
    expect(embeddedIpv4('2001:db8::1')).toBeUndefined();
  });
});
