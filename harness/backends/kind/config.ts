/**
 * The kind cluster configuration: one control plane and three workers that
 * stand for the matrix's nodes (controller-0, controller-1, worker-0). kind
 * names its node containers itself (`N-worker`, `N-worker2`, …), so the
 * matrix's node names travel as a node label; faults map one to the other.
 *
 * The node image is pinned by digest: kind's default node image moves with
 * each kind release (and a tag alone may point at a build for another
 * release), so an unpinned nightly job would change Kubernetes under the
 * harness without anyone asking.
 */
import { stringify } from 'yaml';

export const MATRIX_NODE_LABEL = 'rekey-chaos/node';
export const DEFAULT_MATRIX_NODES = ['controller-0', 'controller-1', 'worker-0'];

/** Kubernetes 1.31.2 as built for kind v0.25.0 (its release notes' digest); usable with kind ≥ 0.25. */
export const KIND_NODE_IMAGE = 'kindest/node:v1.31.2@sha256:18fbefc20a7113353c7b75b5c869d7145a6abd6269154825872dc59c1329912e';

/** The Vault version StarlingX's vault-manager chart expects (its values' server.version). */
export const STARLINGX_VAULT_VERSION = '1.14.0';
export const VAULT_REPOSITORY = 'hashicorp/vault';

export interface KindClusterConfigOptions {
  matrixNodes?: string[];
  nodeImage?: string;
}

export function kindClusterConfig(options: KindClusterConfigOptions = {}): string {
  const matrixNodes = options.matrixNodes ?? DEFAULT_MATRIX_NODES;
  const image = { image: options.nodeImage ?? KIND_NODE_IMAGE };
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
