/**
 * Opt-in end-to-end suite for a Docker host: brings up a real kind cluster,
 * deploys the HashiCorp Vault chart and the reference manager, and checks
 * that Vault is initialized and unsealed with the shards stored as secrets.
 *
 *   REKEY_CHAOS_E2E_KIND=1 npx mocha test/kind-e2e/kind.e2e.test.ts
 *
 * Needs docker, kind, helm and kubectl, and network access to pull images.
 * Skipped (with the reason) everywhere else, including CI here.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { KindBackend } from '../../harness/backends/kind/backend.js';

const enabled = process.env.REKEY_CHAOS_E2E_KIND === '1';

describe('kind backend end to end (opt-in: REKEY_CHAOS_E2E_KIND=1)', function () {
  this.timeout(30 * 60_000);
  const backend = new KindBackend({ clusterName: process.env.REKEY_CHAOS_KIND_CLUSTER ?? 'rekey-chaos-e2e' });

  before(function () {
    if (!enabled) this.skip();
  });
  after(async () => {
    if (enabled) await backend.down();
  });

  it('creates the cluster, deploys Vault and the manager, and Vault comes up initialized and unsealed', async () => {
    const handle = await backend.up();
    await backend.deploy({ manager: { kind: 'reference', settings: { MANAGER_STATUS_RATE_MS: '1000' } } });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(handle.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const secrets = await core.listNamespacedSecret({ namespace: handle.names.namespace });
    const names = secrets.items.map((s) => s.metadata?.name);
    for (let i = 0; i < 5; i++) expect(names).to.include(`cluster-key-${i}`);
    expect(names).to.include('cluster-key-root');
    const endpoints = await handle.vaultEndpoints();
    expect(endpoints).to.have.length(3);
  });
});
