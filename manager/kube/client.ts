/**
 * The Kubernetes client: a kubeconfig file when KUBECONFIG is set (the
 * embedded cluster's stand-in for in-cluster credentials), else the pod's
 * service account (loadFromCluster).
 */
import * as k8s from '@kubernetes/client-node';
import { KubeApiError } from '../errors.js';

export function coreApi(kubeconfig: string | undefined): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromCluster();
  return kc.makeApiClient(k8s.CoreV1Api);
}

export function statusCodeOf(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

/** Wraps an unexpected client failure in a typed error naming the operation. */
export function kubeFailure(operation: string, err: unknown): KubeApiError {
  const code = statusCodeOf(err);
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new KubeApiError(`kubernetes ${operation} failed${code ? ` (${code})` : ''}: ${message}`, { operation, code }, { cause: err });
}
