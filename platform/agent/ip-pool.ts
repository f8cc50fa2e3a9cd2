/**
 * Loopback pod addresses: `<ipBase>.10` upward. Allocation moves a cursor
 * forward and takes the next free address, so a recreated pod usually gets a
 * different address than the pod it replaces (as in a real cluster), while a
 * restarted container keeps its pod's address.
 */
import { UsageError } from '../../common/errors.js';

const FIRST_HOST = 10;
const LAST_HOST = 254;

export function parseIpBase(ipBase: string): string {
  const parts = ipBase.split('.');
  const valid = parts.length === 3 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255) && parts[0] === '127';
  if (!valid) throw new UsageError(`ip base must be a loopback /24 prefix like 127.42.0, got "${ipBase}"`, { ipBase });
  return ipBase;
}

/** The cluster DNS address sandboxed pods' resolv.conf names (nothing answers there: platform/dns/cluster-dns.ts). */
export function clusterDnsAddress(ipBase: string): string {
  return `${ipBase}.3`;
}

/** The active-service proxy's address for an ip base. */
export function proxyAddress(ipBase: string): string {
  return `${ipBase}.2`;
}

export class IpPool {
  private readonly inUse = new Set<number>();
  private cursor = FIRST_HOST - 1;

  constructor(private readonly ipBase: string) {
    parseIpBase(ipBase);
  }

  allocate(): string {
    const span = LAST_HOST - FIRST_HOST + 1;
    for (let step = 1; step <= span; step++) {
      const host = FIRST_HOST + ((this.cursor - FIRST_HOST + step) % span);
      if (!this.inUse.has(host)) {
        this.inUse.add(host);
        this.cursor = host;
        return `${this.ipBase}.${host}`;
      }
    }
    throw new UsageError(`no free pod address left in ${this.ipBase}.0/24`, { ipBase: this.ipBase });
  }

  release(ip: string): void {
    const host = Number(ip.split('.').pop());
    this.inUse.delete(host);
  }
}
