/**
 * The embedded backend's `vaultTrouble` capability: arms a rule of the Vault
 * double's harness-only trouble API (platform/vault/trouble.ts) on one server
 * pod, over that pod's own TLS address, and reads and removes it when the
 * procedure is over. The address is looked up when the call is made: a
 * recreated pod usually has a new one.
 */
import { nowMs } from '../../common/clock.js';
import { EnvironmentError } from '../../common/errors.js';
import type { VaultTroubleSpec } from '../../common/scenario.js';
import { clearVaultTrouble, injectVaultTrouble, vaultTroubleStatus, type TroubleSpec, type VaultServerRef } from '../../platform/vault/trouble-client.js';
import type { ClusterHandle, VaultTroubleCapability } from './backend.js';

/** The double's rule body for a scenario's trouble spec (the double checks it again on arrival). */
export function troubleRequest(spec: VaultTroubleSpec): TroubleSpec {
  return {
    path: spec.path,
    mode: spec.mode,
    count: spec.count,
    ...(spec.delayMs !== undefined ? { delayMs: spec.delayMs } : {}),
    ...(spec.methods !== undefined ? { methods: [...spec.methods] } : {}),
  };
}

export function embeddedVaultTrouble(handle: () => ClusterHandle): VaultTroubleCapability {
  const server = async (namespace: string, pod: string): Promise<VaultServerRef> => {
    const h = handle();
    if (namespace !== h.names.namespace) throw new EnvironmentError(`vault trouble: no Vault servers in namespace ${namespace}`, { namespace, pod });
    const endpoint = (await h.vaultEndpoints()).find((e) => e.pod === pod);
    if (!endpoint) throw new EnvironmentError(`vault trouble: ${pod} has no address (not running)`, { namespace, pod });
    return { address: endpoint.url, caPem: h.caCertPem };
  };
  return {
    async arm(namespace, pod, spec) {
      const rule = await injectVaultTrouble(await server(namespace, pod), troubleRequest(spec));
      return { id: rule.id, at: nowMs() };
    },
    async finish(namespace, pod, id) {
      const ref = await server(namespace, pod);
      const status = await vaultTroubleStatus(ref, id);
      await clearVaultTrouble(ref, id);
      return { id: status.id, remaining: status.remaining, applied: status.applied };
    },
  };
}
