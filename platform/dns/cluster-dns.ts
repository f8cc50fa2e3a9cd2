/**
 * Cluster DNS for sandboxed pods through the ordinary system resolver: per
 * namespace, a folder `<stateDir>/dns/<namespace>/` with `hosts`,
 * `resolv.conf` and `nsswitch.conf`, which each sandbox binds (the folder,
 * not the files) and links /etc/hosts, /etc/resolv.conf, /etc/nsswitch.conf
 * to (agent/pod-sandbox.ts). glibc reads /etc/hosts afresh on every lookup,
 * so `getent hosts` and curl see a change at once.
 *
 * Why files and not a DNS server: a server needs port 53 on the address
 * resolv.conf names, which an unprivileged user cannot bind (ports below
 * 1024), and a DNS wire-format server is more code than the records need.
 * The files work for root and for any user, and a change is one rename.
 *
 * resolv.conf names a nameserver where nothing answers (`<ipBase>.3`, see
 * docs/architecture.md), so a DNS query is refused at once. That matters
 * because `getent hosts` (gethostbyname2) asks for IPv6 first, and a
 * cluster name with only an IPv4 line makes glibc go on to DNS for AAAA:
 * kube-dns would answer "no such record" at once; an unrelated host
 * nameserver may be slow or unreachable, which would stall every such
 * lookup for seconds. getaddrinfo (curl, kubectl, `getent ahosts`) never
 * leaves the file for a cluster name. The embedded cluster does not forward
 * other names to the host's DNS.
 *
 * Updates: every pod change in the store (a watch in the daemon) schedules a
 * rewrite on the next turn of the event loop, so a delete and the recreate
 * that follows in the same turn make one write; a file is only rewritten when
 * its content changes, and always as a whole, by rename (never truncated in
 * place), so a name that did not change never fails to resolve.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeAtomically } from '../agent/state-files.js';
import type { PodDnsFiles } from '../agent/types.js';
import { hostsFile, nsswitchConf, resolvConf, type DnsPod, type DnsService } from './hosts-file.js';

export interface ClusterDnsOptions {
  stateDir: string;
  services: DnsService[];
  /** every pod of every namespace, as the store has it now */
  listPods(): DnsPod[];
  /** resolv.conf's nameservers (the daemon gives the cluster DNS address, where nothing answers) */
  nameservers: string[];
  /** the host's nsswitch.conf (default: /etc/nsswitch.conf), kept but for its hosts line */
  hostNsswitchConf?: string;
  log?: (line: string) => void;
}

function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function dnsFolder(stateDir: string, namespace: string): string {
  return path.join(stateDir, 'dns', namespace);
}

export class ClusterDns implements PodDnsFiles {
  private readonly written = new Map<string, string>();
  private readonly nsswitch: string;
  private pending?: NodeJS.Immediate;
  private closed = false;

  constructor(private readonly options: ClusterDnsOptions) {
    this.nsswitch = nsswitchConf(options.hostNsswitchConf ?? readOptional('/etc/nsswitch.conf'));
  }

  /** The namespace's DNS folder with current files (written now if it is new). */
  folderFor(namespace: string): string {
    const dir = dnsFolder(this.options.stateDir, namespace);
    if (!this.written.has(namespace)) {
      fs.mkdirSync(dir, { recursive: true });
      writeAtomically(path.join(dir, 'resolv.conf'), resolvConf(namespace, this.options.nameservers), 0o644);
      writeAtomically(path.join(dir, 'nsswitch.conf'), this.nsswitch, 0o644);
      this.writeHosts(namespace, this.options.listPods());
    }
    return dir;
  }

  /** Rewrites the hosts files on the next turn of the event loop (several changes, one write). */
  schedule(): void {
    if (this.pending || this.closed) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.refreshNow();
    });
  }

  refreshNow(): void {
    if (this.closed) return;
    const pods = this.options.listPods();
    for (const namespace of this.written.keys()) this.writeHosts(namespace, pods);
  }

  close(): void {
    this.closed = true;
    if (this.pending) clearImmediate(this.pending);
  }

  private writeHosts(namespace: string, pods: DnsPod[]): void {
    const content = hostsFile(namespace, pods, this.options.services);
    if (this.written.get(namespace) === content) return;
    try {
      writeAtomically(path.join(dnsFolder(this.options.stateDir, namespace), 'hosts'), content, 0o644);
      this.written.set(namespace, content);
    } catch (err) {
      this.options.log?.(`dns: cannot write the hosts file of ${namespace}: ${(err as Error).message}`);
    }
  }
}
