import { ipInCidrs, resolveClientIp } from './index';

describe('ipInCidrs', () => {
  it.each<[string, string[], boolean]>([
    ['192.168.1.20', ['192.168.0.0/16'], true],
    ['192.169.1.20', ['192.168.0.0/16'], false],
    ['10.255.255.255', ['10.0.0.0/8'], true],
    ['11.0.0.0', ['10.0.0.0/8'], false],
    ['172.16.5.4', ['172.16.0.0/12'], true],
    ['172.32.0.1', ['172.16.0.0/12'], false],
    ['203.0.113.7', ['203.0.113.7'], true],
    ['203.0.113.8', ['203.0.113.7'], false],
    ['203.0.113.7', ['203.0.113.7/32'], true],
    ['8.8.8.8', ['0.0.0.0/0'], true],
    ['10.1.2.3', ['10.1.2.99/24'], true],
    ['10.1.2.3', ['10.0.0.0/9'], true],
    ['10.128.0.1', ['10.0.0.0/9'], false],
    ['10.1.2.3', [], false],
    ['10.1.2.3', ['8.8.8.8', 'nonsense', '10.0.0.0/8'], true],
  ])('IPv4: %s in %j → %s', (ip, cidrs, expected) => {
    expect(ipInCidrs(ip, cidrs)).toBe(expected);
  });

  it.each<[string, string[], boolean]>([
    ['::1', ['::1'], true],
    ['::1', ['::1/128'], true],
    ['::2', ['::1'], false],
    ['fd12:3456:789a::1', ['fd00::/8'], true],
    ['fe80::1', ['fd00::/8'], false],
    ['FD00::ABCD', ['fd00::/8'], true],
    ['2001:db8:0:0:0:0:0:1', ['2001:db8::/32'], true],
    ['2001:db9::1', ['2001:db8::/32'], false],
    ['2001:db8::1', ['2001:db8::/127'], true],
    ['2001:db8::2', ['2001:db8::/127'], false],
    ['fe80::1%eth0', ['fe80::/10'], true],
    ['2001:db8::1', ['::/0'], true],
  ])('IPv6: %s in %j → %s', (ip, cidrs, expected) => {
    expect(ipInCidrs(ip, cidrs)).toBe(expected);
  });

  it('an IPv4-mapped IPv6 address matches IPv4 ranges', () => {
    expect(ipInCidrs('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipInCidrs('::FFFF:10.1.2.3', ['10.1.2.3'])).toBe(true);
    expect(ipInCidrs('0:0:0:0:0:ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipInCidrs('::ffff:a01:203', ['10.0.0.0/8'])).toBe(true);
    expect(ipInCidrs('::ffff:11.1.2.3', ['10.0.0.0/8'])).toBe(false);
  });
  it('an IPv4 address matches a range written as IPv4-mapped IPv6', () => {
    expect(ipInCidrs('10.1.2.3', ['::ffff:10.0.0.0/104'])).toBe(true);
    expect(ipInCidrs('11.1.2.3', ['::ffff:10.0.0.0/104'])).toBe(false);
    expect(ipInCidrs('10.1.2.3', ['::ffff:0:0/96'])).toBe(true);
  });
  it('IPv4 addresses do not match non-mapped IPv6 ranges (not even ::/0), and vice versa', () => {
    expect(ipInCidrs('10.1.2.3', ['::/0'])).toBe(false);
    expect(ipInCidrs('::ffff:10.1.2.3', ['::/0'])).toBe(false);
    expect(ipInCidrs('::1', ['0.0.0.0/0'])).toBe(false);
    expect(ipInCidrs('::a01:203', ['10.0.0.0/8'])).toBe(false);
  });
  it.each([
    '',
    ' ',
    'localhost',
    '10.1.2',
    '10.1.2.3.4',
    '256.1.1.1',
    '010.1.1.1',
    '10.1.2.3/8',
    '1::2::3',
    ':::',
    '12345::1',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2:3:4:5:6:7:8',
    '::ffff:1.2.3',
    '::ffff:1.2.3.4.5',
    'fe80::1%',
    'g::1',
    '[::1]',
    '10.1.2.3:80',
  ])('a malformed address (%j) matches nothing', (ip) => {
    expect(ipInCidrs(ip, ['0.0.0.0/0', '::/0', '::ffff:0:0/96'])).toBe(false);
  });
  it.each(['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08x', '10.0.0.0/8/8', '::/129', '::ffff:10.0.0.0/95', 'fe80::/10%eth0', 'fe80::1%eth0', 'nonsense', '', '/8'])(
    'a malformed range (%j) matches nothing',
    (cidr) => {
      expect(ipInCidrs('10.0.0.1', [cidr])).toBe(false);
      expect(ipInCidrs('fe80::1', [cidr])).toBe(false);
    },
  );
  it('never throws, whatever it is given', () => {
    const junk: unknown[] = [null, undefined, 42, {}, [], '1.2.3.4', 'x'];
    for (const a of junk) for (const b of junk) expect(() => ipInCidrs(a as string, (Array.isArray(b) ? b : [b]) as string[])).not.toThrow();
    expect(() => ipInCidrs('1.2.3.4', null as unknown as string[])).not.toThrow();
  });
});

describe('resolveClientIp', () => {
  const proxies = ['10.0.0.2', '172.16.0.0/12', 'fd00::/8', '::1'];

  it('no peer: no address, not trusted', () => {
    expect(resolveClientIp(null, ['192.168.1.1'], proxies)).toEqual({ ip: null, trusted: false });
  });
  it('a peer that is not a trusted proxy is the client; a spoofed X-Forwarded-For is ignored', () => {
    expect(resolveClientIp('203.0.113.9', ['192.168.1.20'], proxies)).toEqual({ ip: '203.0.113.9', trusted: true });
    expect(resolveClientIp('203.0.113.9', ['192.168.1.20'], [])).toEqual({ ip: '203.0.113.9', trusted: true });
  });
  it('through a trusted proxy, the right-most forwarded address is the client', () => {
    expect(resolveClientIp('10.0.0.2', ['198.51.100.1', '192.168.1.20'], proxies)).toEqual({ ip: '192.168.1.20', trusted: true });
  });
  it('walks a chain of trusted proxies from the right, skipping them', () => {
    expect(resolveClientIp('10.0.0.2', ['6.6.6.6', '192.168.1.20', '172.16.3.4', '172.17.0.1'], proxies)).toEqual({ ip: '192.168.1.20', trusted: true });
  });
  it('a spoofed address to the left of the real client is never believed', () => {
    expect(resolveClientIp('10.0.0.2', ['192.168.1.20', '203.0.113.50'], proxies)).toEqual({ ip: '203.0.113.50', trusted: true });
  });
  it('when every forwarded address is a trusted proxy, the left-most one', () => {
    expect(resolveClientIp('10.0.0.2', ['172.16.0.9', '172.16.0.8'], proxies)).toEqual({ ip: '172.16.0.9', trusted: true });
  });
  it('a trusted proxy with no X-Forwarded-For is itself the client', () => {
    expect(resolveClientIp('10.0.0.2', [], proxies)).toEqual({ ip: '10.0.0.2', trusted: true });
    expect(resolveClientIp('10.0.0.2', [''], proxies)).toEqual({ ip: '10.0.0.2', trusted: true });
  });
  it('reads entries that are whole header values (comma-separated)', () => {
    expect(resolveClientIp('10.0.0.2', ['6.6.6.6, 192.168.1.20', '172.16.0.1'], proxies)).toEqual({ ip: '192.168.1.20', trusted: true });
  });
  it('a malformed entry stops the walk: the last good address, not trusted', () => {
    expect(resolveClientIp('10.0.0.2', ['192.168.1.20', 'unknown'], proxies)).toEqual({ ip: '10.0.0.2', trusted: false });
    expect(resolveClientIp('10.0.0.2', ['192.168.1.20', 'garbage', '172.16.0.1'], proxies)).toEqual({ ip: '172.16.0.1', trusted: false });
    expect(resolveClientIp('10.0.0.2', ['192.168.1.20,,172.16.0.1'], proxies)).toEqual({ ip: '172.16.0.1', trusted: false });
  });
  it('a malformed entry to the left of the client does not matter', () => {
    expect(resolveClientIp('10.0.0.2', ['garbage', '192.168.1.20'], proxies)).toEqual({ ip: '192.168.1.20', trusted: true });
  });
  it('a malformed peer is never trusted', () => {
    expect(resolveClientIp('not-an-ip', ['192.168.1.20'], proxies)).toEqual({ ip: 'not-an-ip', trusted: false });
  });
  it('IPv6 proxies and clients', () => {
    expect(resolveClientIp('::1', ['2001:db8::7'], proxies)).toEqual({ ip: '2001:db8::7', trusted: true });
    expect(resolveClientIp('fd00::2', ['fd00::1', 'fd12::3'], ['fd00::/16'])).toEqual({ ip: 'fd12::3', trusted: true });
  });
  it('an IPv4-mapped peer matches an IPv4 proxy range', () => {
    expect(resolveClientIp('::ffff:10.0.0.2', ['192.168.1.20'], proxies)).toEqual({ ip: '192.168.1.20', trusted: true });
    expect(resolveClientIp('::ffff:10.0.0.3', ['192.168.1.20'], ['10.0.0.0/8'])).toEqual({ ip: '192.168.1.20', trusted: true });
  });
  it('strips ports and brackets that some proxies add', () => {
    expect(resolveClientIp('10.0.0.2', ['192.168.1.20:51234'], proxies)).toEqual({ ip: '192.168.1.20', trusted: true });
    expect(resolveClientIp('10.0.0.2', ['[2001:db8::7]:443'], proxies)).toEqual({ ip: '2001:db8::7', trusted: true });
    expect(resolveClientIp('10.0.0.2', ['[2001:db8::7]'], proxies)).toEqual({ ip: '2001:db8::7', trusted: true });
    expect(resolveClientIp('10.0.0.2', ['192.168.1.20:99999'], proxies)).toEqual({ ip: '10.0.0.2', trusted: false });
  });
  it('ignores malformed trusted-proxy entries (they trust nobody)', () => {
    expect(resolveClientIp('10.0.0.2', ['192.168.1.20'], ['nonsense', '10.0.0.2/99'])).toEqual({ ip: '10.0.0.2', trusted: true });
  });
});
