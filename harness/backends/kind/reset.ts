/**
 * Clearing a namespace before Vault is deployed again (first deploy, or
 * recovery after a failed iteration): both Helm releases uninstalled, the
 * reference manager's objects deleted, the servers' PVCs deleted (raft data
 * of the old Vault would come back with the new pods), and every procedure
 * secret wiped (shards of the old Vault would be taken for the new one's).
 * Waits until the old pods are gone, so the new StatefulSet does not adopt
 * a terminating pod.
 */
import * as k8s from '@kubernetes/client-node';
import { isProcedureSecret } from '../../../common/secrets.js';
import type { ToolRunner } from './node-faults.js';

export interface ResetTarget {
  namespace: string;
  /** the Vault release and the manager's (`<fullname>-manager`) */
  releases: string[];
  /** the reference manager's manifests as applied (deleted by content), or undefined */
  referenceManifests?: string;
  /** seconds the deletes may wait for pods and PVCs to go */
  waitSeconds: number;
}

const NOT_FOUND = /not found|release: not found/i;

export async function resetNamespace(run: ToolRunner, core: k8s.CoreV1Api, target: ResetTarget): Promise<string[]> {
  const done: string[] = [];
  const ns = ['--namespace', target.namespace];
  for (const release of target.releases) {
    await run('helm', ['uninstall', release, ...ns, '--wait', '--timeout', `${target.waitSeconds}s`]).then(
      () => done.push(`uninstalled ${release}`),
      (err: Error) => {
        if (!NOT_FOUND.test(`${err.message} ${JSON.stringify((err as { context?: unknown }).context ?? {})}`)) throw err;
      },
    );
  }
  if (target.referenceManifests !== undefined) {
    await run('kubectl', ['delete', ...ns, '--ignore-not-found', '--wait=true', `--timeout=${target.waitSeconds}s`, '-f', '-'], target.referenceManifests);
    done.push('deleted the reference manager');
  }
  await run('kubectl', ['delete', 'pvc', '--all', ...ns, '--wait=true', `--timeout=${target.waitSeconds}s`]);
  done.push('deleted PVCs');
  const secrets = await core.listNamespacedSecret({ namespace: target.namespace });
  const procedure = secrets.items.map((s) => s.metadata?.name).filter((n): n is string => n !== undefined && isProcedureSecret(n));
  await Promise.all(procedure.map((name) => core.deleteNamespacedSecret({ namespace: target.namespace, name }).catch(() => undefined)));
  if (procedure.length > 0) done.push(`wiped ${procedure.length} procedure secret(s)`);
  await run('kubectl', ['wait', '--for=delete', 'pod', '--all', ...ns, `--timeout=${target.waitSeconds}s`]).catch(() => undefined);
  return done;
}
