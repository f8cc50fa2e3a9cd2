/**
 * The content of a namespace's DNS files, as pure functions: an /etc/hosts
 * that answers what kube-dns would for the cluster's pods and services, and a
 * resolv.conf with Kubernetes' search path.
 *
 * glibc's `files` backend does not apply the resolv.conf search path, so each
 * record also lists, as aliases, every short form the search path would
 * complete to it from this namespace (`sva-vault-active`, `sva-vault-active.vault`,
 * `sva-vault-active.vault.svc`, ...). That is also why every namespace has
 * its own file: the bare service name means a different thing in each.
 */
export const CLUSTER_DOMAIN = 'cluster.local';

export interface DnsPod {
  name: string;
  namespace: string;
  ip: string;
  labels: Record<string, string>;
}

/**
 * A Service as DNS sees it: with `clusterIP`, one address; headless (with
 * `selector`), the addresses of the selected pods, and `<pod>.<service>` names
 * for each of them (the StatefulSet's governing service).
 */
export interface DnsService {
  name: string;
  namespace: string;
  clusterIP?: string;
  selector?: Record<string, string>;
}

export function searchPath(namespace: string, domain = CLUSTER_DOMAIN): string[] {
  return [`${namespace}.svc.${domain}`, `svc.${domain}`, domain];
}

/** The fully qualified name followed by the short forms the search path completes to it. */
export function namesFor(fqdn: string, namespace: string, domain = CLUSTER_DOMAIN): string[] {
  const names = [fqdn];
  for (const suffix of searchPath(namespace, domain)) if (fqdn.endsWith(`.${suffix}`)) names.push(fqdn.slice(0, -suffix.length - 1));
  return names;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A pod's A record name, `<a>-<b>-<c>-<d>.<ns>.pod.<domain>` (kube-dns' pod records). */
export function podRecordName(ip: string, namespace: string, domain = CLUSTER_DOMAIN): string {
  return `${ip.replaceAll('.', '-')}.${namespace}.pod.${domain}`;
}

export function hostsFile(namespace: string, pods: DnsPod[], services: DnsService[], domain = CLUSTER_DOMAIN): string {
  const lines = [
    `# cluster DNS for pods of namespace ${namespace}; replaced as a whole (rename) on every change`,
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
  ];
  const record = (ip: string, fqdn: string) => lines.push(`${ip}\t${namesFor(fqdn, namespace, domain).join(' ')}`);
  const sorted = [...pods].sort((a, b) => (a.namespace + a.name < b.namespace + b.name ? -1 : 1));
  for (const pod of sorted) record(pod.ip, podRecordName(pod.ip, pod.namespace, domain));
  for (const svc of services) {
    const fqdn = `${svc.name}.${svc.namespace}.svc.${domain}`;
    if (svc.clusterIP) record(svc.clusterIP, fqdn);
    if (!svc.selector) continue;
    const endpoints = sorted.filter((p) => p.namespace === svc.namespace && selects(svc.selector!, p.labels));
    for (const pod of endpoints) record(pod.ip, fqdn);
    for (const pod of endpoints) record(pod.ip, `${pod.name}.${fqdn}`);
  }
  return lines.join('\n') + '\n';
}

export function resolvConf(namespace: string, nameservers: string[], domain = CLUSTER_DOMAIN): string {
  return [
    `search ${searchPath(namespace, domain).join(' ')}`,
    ...nameservers.map((ns) => `nameserver ${ns}`),
    'options ndots:5',
    '',
  ].join('\n');
}

/** The host's nsswitch.conf with `hosts: files dns`, so the hosts file is asked first whatever the host says. */
export function nsswitchConf(hostContent: string | undefined): string {
  const lines = (hostContent ?? 'passwd: files\ngroup: files\nshadow: files\n').split('\n').filter((l) => !/^\s*hosts\s*:/.test(l));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return [...lines, 'hosts: files dns', ''].join('\n');
}
