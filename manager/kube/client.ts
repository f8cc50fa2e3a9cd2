/**
 * The Kubernetes client: a kubeconfig file when KUBECONFIG is set (the
 * embedded cluster's stand-in for in-cluster credentials), else the pod's
 * service account (loadFromCluster).
 */
import * as k8s from '@kubernetes/client-node';
import https from 'node:https';
import tls from 'node:tls';
import { KubeApiError } from '../errors.js';

/**
 * client-node 1.x gives every API call a new https.Agent, and each of its connections builds a
 * new TLS context from the CA (and client certificate) PEM: CPU per call, and native memory that
 * only a major GC returns — at a 100 ms status rate the manager's RSS climbed past 200 MB. This
 * KubeConfig hands every call one agent with one TLS context while the TLS options stay the same.
 * Connections are still one per call (the agent does not keep them alive); headers, tokens and
 * certificate checks are unchanged.
 */
class SharedTlsKubeConfig extends k8s.KubeConfig {
  private shared: { key: string; agent: https.Agent } | undefined;

  override async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getAgent();
    // proxies and plain http keep the client's own agent
    if (!(fresh instanceof https.Agent) || fresh.constructor !== https.Agent) return;
    const o = fresh.options;
    const key = JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername]);
    if (this.shared?.key !== key) {
      const secureContext = tls.createSecureContext({ ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase });
      this.shared = { key, agent: new https.Agent({ ...o, secureContext }) };
    }
    context.setAgent(this.shared.agent);
  }
}

export function coreApi(kubeconfig: string | undefined): k8s.CoreV1Api {
  const kc = new SharedTlsKubeConfig();
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
