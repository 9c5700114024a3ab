// Where a webhook may deliver (contract §10): http(s) only, and in production no
// loopback, private, link-local, CGNAT or metadata address (no SSRF through webhooks).

/**
 * Why a webhook may not POST to `raw`, or null if it may. Only http(s); unless
 * `allowPrivate` (local development), no loopback, private, link-local, CGNAT,
 * metadata or other non-public address. Hostnames are judged by name only: the
 * Workers runtime cannot reach private networks, so a name resolving to one fails there.
 */
export function destinationRefusal(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https URLs are allowed';
  if (allowPrivate) return null;
  // The URL parser has already turned decimal, hex, octal and short IPv4 forms into dotted quads.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const refused = 'a loopback, private, link-local or metadata address is not allowed';
  if (host === 'localhost' || host.endsWith('.localhost') || INTERNAL_NAMES.some((n) => host === n || host.endsWith(`.${n}`))) return refused;
  if (host.startsWith('[')) return isPublicIpv6(host.slice(1, -1)) ? null : refused;
  const v4 = parseIpv4(host);
  if (v4 !== null && !isPublicIpv4(v4)) return refused;
  return null;
}

/** Names only ever meaning something inside a network (cloud metadata services, mDNS). */
const INTERNAL_NAMES = ['internal', 'local', 'localdomain', 'home.arpa', 'metadata', 'instance-data'];

function parseIpv4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

// [first address, prefix length] of every IPv4 block that is not the public internet.
const NON_PUBLIC_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function isPublicIpv4(address: number): boolean {
  return NON_PUBLIC_V4.every(([first, bits]) => Math.floor(address / 2 ** (32 - bits)) !== Math.floor(parseIpv4(first)! / 2 ** (32 - bits)));
}

/** The eight 16-bit groups of an IPv6 address as the URL parser prints it (hex, `::`, no dotted part). */
function ipv6Groups(text: string): number[] | null {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = groups(tail);
  const all = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

function isPublicIpv6(text: string): boolean {
  const g = ipv6Groups(text);
  if (!g) return false;
  const embeddedV4 = (hi: number, lo: number) => isPublicIpv4(hi * 65536 + lo);
  if (g.slice(0, 6).every((x) => x === 0)) return g[6] !== 0 && embeddedV4(g[6]!, g[7]!); // ::, ::1, IPv4-compatible
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return embeddedV4(g[6]!, g[7]!); // IPv4-mapped
  if (g[0] === 0x64 && g[1] === 0xff9b) return g.slice(2, 6).every((x) => x === 0) && embeddedV4(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return embeddedV4(g[1]!, g[2]!); // 6to4
  if ((g[0]! & 0xfe00) === 0xfc00) return false; // unique local (incl. fd00:ec2::254, AWS metadata)
  if ((g[0]! & 0xffc0) === 0xfe80 || (g[0]! & 0xffc0) === 0xfec0) return false; // link-local, site-local
  if ((g[0]! & 0xff00) === 0xff00) return false; // multicast
  if (g[0] === 0x2001 && g[1] === 0xdb8) return false; // documentation
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return false; // discard
  return true;
}
