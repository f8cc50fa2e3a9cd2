/**
 * `/version` and the discovery documents kubectl and client-node read before
 * any request: `/api` and `/api/v1` for the core group, `/apis`,
 * `/apis/{group}` and `/apis/{group}/{version}` for the named groups (RBAC).
 * kubectl first asks for aggregated discovery (`as=APIGroupDiscoveryList` in
 * Accept) and falls back to these plain documents when the answer is
 * ordinary `application/json`, which is all this server sends.
 */
import { apiVersionOf, type ResourceDef } from './resources.js';
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

/** The group/versions served, core (`v1`) first. */
export function groupVersions(store: ObjectStore): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const def of store.resources()) seen.set(apiVersionOf(def), { group: def.group, version: def.version });
  return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
}

function apiGroup(group: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(store: ObjectStore): Record<string, unknown> {
  const groups = new Map<string, string[]>();
  for (const gv of groupVersions(store)) if (gv.group !== '') groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups].map(([g, vs]) => apiGroup(g, vs)) };
}

/** `/apis/{group}`, or undefined for a group this server does not serve. */
export function apiGroupDocument(store: ObjectStore, group: string): Record<string, unknown> | undefined {
  const versions = groupVersions(store)
    .filter((gv) => gv.group === group)
    .map((gv) => gv.version);
  return versions.length === 0 || group === '' ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) };
}

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function entry(def: ResourceDef): Record<string, unknown> {
  return {
    name: def.name,
    singularName: def.kind.toLowerCase(),
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: VERBS,
    ...(def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
    ...(def.categories ? { categories: def.categories } : {}),
  };
}

/** `/api/v1` or `/apis/{group}/{version}`; undefined for a group/version this server does not serve. */
export function resourceList(store: ObjectStore, group: string, version: string): Record<string, unknown> | undefined {
  const defs = store.resources().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  const resources: Array<Record<string, unknown>> = [];
  for (const def of defs) {
    resources.push(entry(def));
    for (const sub of def.subresources ?? []) resources.push({ name: `${def.name}/${sub.name}`, singularName: '', namespaced: def.namespaced, kind: def.kind, verbs: sub.verbs });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}
