/** Small builders shared by the harness unit tests (no cluster). */
import type { ClusterNames } from '../../harness/backends/backend.js';
import type { TargetSnapshot, TargetPod } from '../../harness/faults/targets.js';

export const NAMES: ClusterNames = {
  namespace: 'vault',
  fullname: 'sva-vault',
  serverLabelSelector: 'component=server,app.kubernetes.io/name=vault',
  managerLabelSelector: 'component=manager',
};

export const NODES = ['controller-0', 'controller-1', 'worker-0'];

export function server(i: number, opts: { active?: boolean; sealed?: boolean; terminating?: boolean; node?: string } = {}): TargetPod {
  return {
    name: `sva-vault-${i}`,
    role: 'server',
    node: opts.node ?? NODES[i]!,
    labels: {
      component: 'server',
      'app.kubernetes.io/name': 'vault',
      'vault-active': opts.active ? 'true' : 'false',
      'vault-sealed': opts.sealed ? 'true' : 'false',
    },
    terminating: opts.terminating ?? false,
  };
}

export function manager(): TargetPod {
  return { name: 'sva-vault-manager-0', role: 'manager', node: 'controller-0', labels: { component: 'manager' }, terminating: false };
}

export function view(pods: TargetPod[]): TargetSnapshot {
  return { namespace: 'vault', fullname: 'sva-vault', pods, nodes: NODES };
}

/** The usual healthy state: server 1 active, 0 and 2 unsealed standbys, one manager. */
export function healthy(activeOrdinal = 1): TargetSnapshot {
  return view([server(0, { active: activeOrdinal === 0 }), server(1, { active: activeOrdinal === 1 }), server(2, { active: activeOrdinal === 2 }), manager()]);
}
