/**
 * A sandboxed pod's folders on the host, under `<stateDir>/pods/<uid>/` (like
 * kubelet's /var/lib/kubelet/pods/<uid>): its volumes (configMap and secret
 * projections, emptyDirs), the implicit /workdir, and the per-run /tmp and
 * home. The folder lives as long as the pod object and is removed with it.
 *
 * configMap / secret volumes are projected from the API store as files, one
 * per key (or per `items` entry, at its path), with `defaultMode` / item
 * `mode`. A missing source (or a key named in `items`) keeps the pod
 * waiting in ContainerCreating, unless the volume is `optional` (then it is
 * projected without it). A projection made once is kept when its source
 * disappears later, as kubelet keeps a mounted volume.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PodStorePort, Volume } from './types.js';

/** The pod cannot start yet: a volume's source is missing. */
export class VolumeNotReady extends Error {}

export function podFolder(stateDir: string, uid: string): string {
  return path.join(stateDir, 'pods', uid);
}

export function volumeFolder(podDir: string, volumeName: string): string {
  return path.join(podDir, 'volumes', volumeName);
}

/** Folders a container run starts without (its writable layer): /tmp and the home folder. */
export function resetRunFolders(podDir: string): { tmp: string; home: string } {
  const run = path.join(podDir, 'run');
  fs.rmSync(run, { recursive: true, force: true });
  const tmp = path.join(run, 'tmp');
  const home = path.join(run, 'home');
  fs.mkdirSync(tmp, { recursive: true, mode: 0o1777 });
  fs.chmodSync(tmp, 0o1777);
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  return { tmp, home };
}

/** An emptyDir-like folder of the pod (kept across container restarts). */
export function ensurePodDir(podDir: string, name: string): string {
  const dir = path.join(podDir, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function removePodFolder(stateDir: string, uid: string): void {
  if (uid !== '') fs.rmSync(podFolder(stateDir, uid), { recursive: true, force: true });
}

type Files = Map<string, { content: Buffer; mode: number }>;

function sourceFiles(volume: Volume, namespace: string, store: PodStorePort): Files | undefined {
  const isConfigMap = 'configMap' in volume;
  if (!isConfigMap && !('secret' in volume)) return new Map();
  const source = isConfigMap ? volume.configMap : volume.secret;
  const name = isConfigMap ? volume.configMap.name : volume.secret.secretName;
  const what = `${isConfigMap ? 'configmap' : 'secret'} "${name}"`;
  const obj = store.getVolumeSource?.(isConfigMap ? 'configmaps' : 'secrets', namespace, name);
  if (!obj) {
    if (source.optional) return new Map();
    throw new VolumeNotReady(`MountVolume.SetUp failed for volume "${volume.name}": ${what} not found`);
  }
  const keys = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(obj.data ?? {})) keys.set(k, isConfigMap ? Buffer.from(v, 'utf8') : Buffer.from(v, 'base64'));
  if (isConfigMap) for (const [k, v] of Object.entries(obj.binaryData ?? {})) keys.set(k, Buffer.from(v, 'base64'));
  const mode = source.defaultMode ?? 0o644;
  const files: Files = new Map();
  if (!source.items) {
    for (const [k, content] of keys) files.set(k, { content, mode });
    return files;
  }
  for (const item of source.items) {
    const content = keys.get(item.key);
    if (content === undefined) {
      if (source.optional) continue;
      throw new VolumeNotReady(`MountVolume.SetUp failed for volume "${volume.name}": ${what} has no key "${item.key}"`);
    }
    files.set(item.path, { content, mode: item.mode ?? mode });
  }
  return files;
}

/** Writes a projection into a fresh folder and swaps it in, so the folder is never half written. */
function writeProjection(dir: string, files: Files): void {
  const fresh = `${dir}.new`;
  const old = `${dir}.old`;
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.rmSync(old, { recursive: true, force: true });
  fs.mkdirSync(fresh, { recursive: true });
  for (const [rel, { content, mode }] of files) {
    const file = path.join(fresh, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode });
    fs.chmodSync(file, mode);
  }
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(fresh, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Makes every volume's host folder ready; returns volume name -> folder.
 * Throws VolumeNotReady while a required source is missing (and was never projected).
 */
export function prepareVolumes(podDir: string, namespace: string, volumes: Volume[], store: PodStorePort): Map<string, string> {
  const folders = new Map<string, string>();
  for (const volume of volumes) {
    if ('hostPath' in volume) {
      // The node's own folder, bound as it is (nothing projected): a missing one keeps the pod waiting, as kubelet's Directory type does.
      if (!fs.existsSync(volume.hostPath.path)) throw new VolumeNotReady(`hostPath ${volume.hostPath.path} does not exist`);
      folders.set(volume.name, volume.hostPath.path);
      continue;
    }
    const dir = volumeFolder(podDir, volume.name);
    folders.set(volume.name, dir);
    if ('emptyDir' in volume) {
      fs.mkdirSync(dir, { recursive: true });
      continue;
    }
    let files: Files | undefined;
    try {
      files = sourceFiles(volume, namespace, store);
    } catch (err) {
      if (err instanceof VolumeNotReady && fs.existsSync(dir)) continue;
      throw err;
    }
    if (files) writeProjection(dir, files);
  }
  return folders;
}
