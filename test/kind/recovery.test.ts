/**
 * Recovery after a failed iteration redeploys from a clean namespace (both
 * releases uninstalled, PVCs deleted, procedure secrets wiped) and only
 * reports success when the fresh cluster-key is the key Vault uses.
 */
import { expect } from 'chai';
import { EnvironmentError } from '../../common/errors.js';
import { fixedProbe, startFakeKind, storeFreshClusterKey, verb, waitForCall, type FakeKind } from './fake-cluster.js';

describe('kind: redeploy after a failed iteration', function () {
  this.timeout(60_000);
  let k: FakeKind;
  beforeEach(async () => {
    k = await startFakeKind();
  });
  afterEach(() => k.stop());

  it('uninstalls, deletes PVCs and wipes procedure secrets before installing again', async () => {
    const b = k.backend({ buildManagerImage: false });
    await b.up();
    // What a failed iteration leaves: a half-written new set and a milestone next to cluster-key.
    await storeFreshClusterKey(k.fx);
    for (const name of ['cluster-rekey-0', 'cluster-rekey-1', 'cluster-rekey-request']) k.fx.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'vault' }, data: { strdata: 'eA==' } } as any);
    const deploying = b.deploy({ manager: { kind: 'reference' } });
    await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
    const left = (k.fx.store.list('secrets', 'vault').items as any[]).map((s) => s.metadata.name).filter((n: string) => n.startsWith('cluster-'));
    expect(left, 'procedure secrets when Vault is installed again').to.deep.equal([]);
    await storeFreshClusterKey(k.fx);
    await deploying;
    const c = (await k.calls()).map((x) => `${x.tool} ${(x.tool === 'kubectl' ? verb(x) : x.args).join(' ')}`);
    const at = (prefix: string) => c.findIndex((l) => l.startsWith(prefix));
    expect(at('helm uninstall sva-vault --namespace vault --wait')).to.be.greaterThan(-1);
    expect(at('kubectl delete --namespace vault --ignore-not-found --wait=true')).to.be.greaterThan(-1);
    expect(at('kubectl delete pvc --all --namespace vault --wait=true')).to.be.greaterThan(-1);
    for (const step of ['helm uninstall', 'kubectl delete pvc']) expect(at(step), step).to.be.lessThan(at('helm upgrade --install sva-vault'));
  });

  it('a release that is not installed is no error', async () => {
    const b = k.backend({ buildManagerImage: false }, { FAKE_FAIL: 'helm uninstall=Error: uninstall: Release not loaded: sva-vault: release: not found' });
    await b.up();
    const deploying = b.deploy({ manager: { kind: 'reference' } });
    await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
    await storeFreshClusterKey(k.fx);
    await deploying;
  });

  it('refuses a cluster-key that does not authenticate against Vault (never reports a poisoned key as ready)', async () => {
    const probe = fixedProbe(k.fx, { keyIsCurrent: false });
    const b = k.backend({ buildManagerImage: false, vaultProbe: () => probe });
    await b.up();
    const deploying = b.deploy({ manager: { kind: 'reference' } }).then(() => undefined, (e: unknown) => e);
    await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
    await storeFreshClusterKey(k.fx);
    const err = await deploying;
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as Error).message).to.equal('the fresh cluster-key does not unseal this Vault: it does not authenticate as the key Vault uses (left over from an earlier Vault?)');
    expect(probe.keyChecks).to.equal(1);
  });

  it('refuses a cluster-key whose subsets combine to different keys', async () => {
    const b = k.backend({ buildManagerImage: false });
    await b.up();
    const deploying = b.deploy({ manager: { kind: 'reference' } }).then(() => undefined, (e: unknown) => e);
    await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
    // One shard replaced by a shard of another key: three-share checks that include it disagree.
    const other = await import('shamir-secret-sharing').then((m) => m.split(new Uint8Array(32).fill(9), 5, 3));
    const { formatShard } = await import('../../common/secrets.js');
    await storeFreshClusterKey(k.fx);
    // No I/O turn between storing and replacing: the probe never sees the consistent set.
    k.fx.store.delete('secrets', 'vault', 'cluster-key-4');
    k.fx.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cluster-key-4', namespace: 'vault' }, data: { strdata: Buffer.from(formatShard(other[4]!)).toString('base64') } } as any);
    const err = await deploying;
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as Error).message).to.match(/^the fresh cluster-key is inconsistent/);
  });
});
