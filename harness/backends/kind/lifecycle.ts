/**
 * `cluster up --backend kind` and `cluster down --backend kind`: the parts
 * of those commands that are kind's. Up deletes the cluster it created when
 * the deploy fails or a stop signal arrives; down deletes a cluster only when
 * the state dir records that rekey-chaos created it (a cluster the user made
 * and we merely reused is theirs to delete).
 */
import { runTool } from '../tools.js';
import { KindBackend, type KindBackendOptions } from './backend.js';
import { forgetCluster, ownsCluster } from './state.js';

export interface KindUpRequest {
  backendOptions?: KindBackendOptions;
  vault: boolean;
  /** a --manager spec; reference when absent */
  manager?: string;
  defect?: string;
  detach?: boolean;
  say: (line: string) => void;
  /** resolves when the foreground command is asked to stop */
  stopRequested: () => Promise<unknown>;
}

export async function kindClusterUp(request: KindUpRequest): Promise<void> {
  const backend = new KindBackend(request.backendOptions ?? {});
  try {
    const handle = await backend.up();
    request.say(`kubeconfig: ${handle.kubeconfigPath}`);
    if (request.vault) {
      await backend.deploy({ manager: { kind: request.manager ?? 'reference', ...(request.defect !== undefined ? { defect: request.defect } : {}) } });
      request.say('Vault: 3 servers initialized and unsealed, cluster-key stored and checked against Vault');
    }
  } catch (err) {
    request.say(backend.ownsCluster ? 'deleting the kind cluster this command created…' : 'the kind cluster was not created by this command; left as it is');
    await backend.down().catch(() => undefined);
    throw err;
  }
  if (request.detach) {
    request.say(`kind cluster left running${backend.ownsCluster ? ' (delete it with: rekey-chaos cluster down --backend kind)' : ''}`);
    return;
  }
  request.say('running in the foreground; Ctrl-C (SIGINT), SIGTERM or SIGHUP deletes the cluster (when this command created it)');
  await request.stopRequested();
  await backend.down();
}

export interface KindDownRequest {
  stateDir?: string;
  clusterName?: string;
  env?: NodeJS.ProcessEnv;
  say: (line: string) => void;
}

export async function kindClusterDown(request: KindDownRequest): Promise<void> {
  const stateDir = request.stateDir ?? '.rekey-chaos/kind';
  const name = request.clusterName ?? 'rekey-chaos';
  if (!ownsCluster(stateDir, name)) {
    request.say(`no kind cluster created by rekey-chaos is recorded in ${stateDir}; nothing deleted (a cluster you made yourself: kind delete cluster --name ${name})`);
    return;
  }
  await runTool('kind', ['delete', 'cluster', '--name', name], { env: request.env ?? process.env });
  forgetCluster(stateDir);
  request.say(`deleted kind cluster ${name}`);
}
