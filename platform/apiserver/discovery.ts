/**
 * `/version` and the discovery documents kubectl and client-node read before
 * any request. Only the legacy core group exists, so `/apis` is an empty
 * APIGroupList. kubectl first asks for aggregated discovery
 * (`as=APIGroupDiscoveryList` in Accept) and falls back to these plain lists
 * when the answer is ordinary `application/json`, which is all this server sends.
 */
import type { ObjectStore } from './store.js';

/** Inside the 1.27–1.33 range the preinstalled kubectl dispatcher supports. */
export const DEFAULT_GIT_VERSION = 'v1.30.2';

export function versionInfo(gitVersion: string): Record<string, string> {
  const m = /^v(\d+)\.(\d+)\./.exec(gitVersion);
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '30',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-01-01T00:00:00Z',
    goVersion: 'go1.22.0',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export function coreResourceList(store: ObjectStore): Record<string, unknown> {
  const resources: Array<Record<string, unknown>> = [
    { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'], shortNames: ['ns'] },
  ];
  for (const def of store.resources()) {
    resources.push({
      name: def.name,
      singularName: def.kind.toLowerCase(),
      namespaced: true,
      kind: def.kind,
      verbs: VERBS,
      ...(def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
      ...(def.name === 'pods' ? { categories: ['all'] } : {}),
    });
    if (def.name === 'pods') resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1', resources };
}
