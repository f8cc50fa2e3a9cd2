/**
 * The kind cluster configuration: one control plane and three workers that
 * stand for the matrix's nodes (controller-0, controller-1, worker-0). kind
 * names its node containers itself (`N-worker`, `N-worker2`, …), so the
 * matrix's node names travel as a node label; faults map one to the other.
 */
import { stringify } from 'yaml';

export const MATRIX_NODE_LABEL = 'rekey-chaos/node';
export const DEFAULT_MATRIX_NODES = ['controller-0', 'controller-1', 'worker-0'];

export interface KindClusterConfigOptions {
  matrixNodes?: string[];
  nodeImage?: string;
}

export function kindClusterConfig(options: KindClusterConfigOptions = {}): string {
  const matrixNodes = options.matrixNodes ?? DEFAULT_MATRIX_NODES;
  const image = options.nodeImage ? { image: options.nodeImage } : {};
  const config = {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    nodes: [
      { role: 'control-plane', ...image },
      ...matrixNodes.map((name) => ({ role: 'worker', ...image, labels: { [MATRIX_NODE_LABEL]: name } })),
    ],
  };
  return stringify(config);
}

/** kind's container name for the i-th worker (0-based): N-worker, N-worker2, N-worker3, … */
export function kindWorkerContainer(clusterName: string, index: number): string {
  return index === 0 ? `${clusterName}-worker` : `${clusterName}-worker${index + 1}`;
}
