// Which socket peers may tell us the client's address (X-Forwarded-For). Behind a proxy only the
// proxy's own word counts: a client that reaches the port directly would otherwise pick any
// address it likes — a fresh one per password guess past the logon throttle, or someone else's for
// fail2ban to ban. Default: loopback and the private ranges a proxy in front normally connects
// from (RFC 1918, RFC 6598 shared space, RFC 4193 unique local, link-local); `--trusted-proxies`
// replaces the list.
import { BlockList, isIP } from 'node:net';

const PRIVATE_NETWORKS = [
  '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16',
  '::1/128', 'fc00::/7', 'fe80::/10',
];

/** A BlockList of the given addresses and CIDR ranges; throws a RangeError naming a bad entry. */
export function proxyTrust(entries: readonly string[] = PRIVATE_NETWORKS): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits, ...rest] = entry.trim().split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    // The digits themselves are checked: Number('') is 0, and "10.0.0.0/" must not trust everyone.
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || rest.length > 0 || !(prefix <= max)) {
      throw new RangeError(`"${entry}" is no address or CIDR range`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

export const DEFAULT_PROXY_TRUST = proxyTrust();

/** Whether `peer` (a plain address, IPv4-mapped already unwrapped) is a trusted proxy. */
export function isTrustedProxy(peer: string, trust: BlockList): boolean {
  const family = isIP(peer);
  return family !== 0 && trust.check(peer, family === 6 ? 'ipv6' : 'ipv4');
}
