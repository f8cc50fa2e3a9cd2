/**
 * Name resolution for the manager's Vault calls, as a `lookup` for node:https.
 * A pod name `<a>-<b>-<c>-<d>.<ns>.pod.cluster.local` decodes to a.b.c.d
 * (how kube-dns derives pod A records, so it also holds in a real cluster);
 * names in REKEY_CHAOS_HOSTS resolve statically (the embedded active-service
 * proxy); anything else goes to the system resolver. TLS still verifies the
 * certificate against the name, not the address.
 */
import { lookup as systemLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';

export function decodePodName(hostname: string): string | undefined {
  const m = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\.[^.]+\.pod\.cluster\.local\.?$/i.exec(hostname);
  if (!m) return undefined;
  const ip = m.slice(1, 5).join('.');
  return isIP(ip) === 4 ? ip : undefined;
}

export function resolveStatic(hostname: string, hosts: Record<string, string>): string | undefined {
  return hosts[hostname.toLowerCase().replace(/\.$/, '')] ?? decodePodName(hostname);
}

type Callback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function makeLookup(hosts: Record<string, string>) {
  return (hostname: string, options: LookupOptions, callback: Callback): void => {
    const ip = resolveStatic(hostname, hosts);
    if (!ip) {
      systemLookup(hostname, options, callback as never);
      return;
    }
    const family = isIP(ip);
    if (options?.all) callback(null, [{ address: ip, family }]);
    else callback(null, ip, family);
  };
}
