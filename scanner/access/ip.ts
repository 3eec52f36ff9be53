// Sets of client addresses from CIDR lists (allow, deny, trusted proxies), on Node's BlockList.
import { BlockList, isIP } from 'node:net';

const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** "::ffff:10.1.2.3" (an IPv4 client on a dual-stack socket) → "10.1.2.3". */
export function unmapIPv4(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

export class IpSet {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** Entries are checked by the schema (crds/spec/access.ts isCidr). */
  constructor(cidrs: readonly string[]) {
    this.empty = cidrs.length === 0;
    for (const c of cidrs.flatMap((c) => NAMED[c] ?? [c])) {
      const [addr, bits] = c.split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr, family);
      else this.list.addSubnet(addr, Number(bits), family);
    }
  }

  has(ip: string | undefined): boolean {
    if (!ip || this.empty) return false;
    const addr = unmapIPv4(ip);
    const family = isIP(addr);
    return family !== 0 && this.list.check(addr, family === 6 ? 'ipv6' : 'ipv4');
  }
}
