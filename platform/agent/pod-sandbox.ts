/**
 * What a sandboxed pod sees (the mount requests for sandbox/mount-plan.ts)
 * and the env that goes with it:
 *
 *   volumeMounts          configMap / secret: read-only, always (as kubelet); emptyDir, hostPath: read-write unless readOnly
 *   /workdir              an emptyDir-like folder of the pod, unless a volume mounts there
 *   /tmp, /root (HOME)    empty at every container start (the container's writable layer);
 *                         a fresh home also keeps a host ~/.kube/config from steering kubectl
 *                         away from the in-cluster config
 *   /var/run/secrets/kubernetes.io/serviceaccount   token, ca.crt, namespace (read-only)
 *   /run/cluster-dns      the namespace's DNS folder (read-only, platform/dns/), and
 *   /etc/hosts, /etc/resolv.conf, /etc/nsswitch.conf   symlinks into it: the folder is bound,
 *                         not the files, so a file replaced by rename on the host is seen at once
 *   KUBECONFIG's file     bound at its own path when /tmp or /root would hide it
 */
import path from 'node:path';
import type { MountRequest } from './sandbox/mount-plan.js';
import type { Volume, VolumeMount } from './types.js';

export const WORKDIR = '/workdir';
export const POD_HOME = '/root';
export const DNS_MOUNT = '/run/cluster-dns';
export const DNS_FILES = ['hosts', 'resolv.conf', 'nsswitch.conf'] as const;

export interface PodFilesystem {
  volumes: Volume[];
  volumeMounts: VolumeMount[];
  /** volume name -> host folder */
  volumeFolders: Map<string, string>;
  workdir: string;
  tmp: string;
  home: string;
  serviceAccount?: { folder: string; mountPath: string };
  dnsFolder?: string;
  /** host files the pod's env names (KUBECONFIG), kept visible at their own paths */
  hostFiles: string[];
}

function isWithin(p: string, folder: string): boolean {
  return p === folder || p.startsWith(folder + '/');
}

export function podMountRequests(fs: PodFilesystem): MountRequest[] {
  const out: MountRequest[] = [
    { kind: 'bind', target: '/tmp', source: fs.tmp, readOnly: false },
    { kind: 'bind', target: POD_HOME, source: fs.home, readOnly: false },
  ];
  if (!fs.volumeMounts.some((m) => m.mountPath === WORKDIR)) out.push({ kind: 'bind', target: WORKDIR, source: fs.workdir, readOnly: false });
  if (fs.serviceAccount) out.push({ kind: 'bind', target: fs.serviceAccount.mountPath, source: fs.serviceAccount.folder, readOnly: true });
  if (fs.dnsFolder) {
    out.push({ kind: 'bind', target: DNS_MOUNT, source: fs.dnsFolder, readOnly: true });
    for (const file of DNS_FILES) out.push({ kind: 'symlink', target: `/etc/${file}`, linkTo: `${DNS_MOUNT}/${file}` });
  }
  for (const mount of fs.volumeMounts) {
    const volume = fs.volumes.find((v) => v.name === mount.name)!;
    const folder = fs.volumeFolders.get(mount.name)!;
    const source = mount.subPath ? path.join(folder, mount.subPath) : folder;
    const projected = 'configMap' in volume || 'secret' in volume;
    out.push({ kind: 'bind', target: mount.mountPath, source, readOnly: projected || mount.readOnly === true });
  }
  for (const file of fs.hostFiles) {
    if (['/tmp', POD_HOME, ...fs.volumeMounts.map((m) => m.mountPath)].some((hidden) => isWithin(file, hidden)))
      out.push({ kind: 'bind', target: file, source: file, readOnly: true });
  }
  return out;
}
