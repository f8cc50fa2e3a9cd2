/**
 * Behaviours of the double beyond the shared conformance suite: the named
 * switches for unconfirmed Vault behaviour (`staleSealedNode`), stale `t`/`n`
 * on standbys, the follower's delayed unseal, rekey without verification,
 * pod recreation on a new address, and the harness-only feed.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { keyFingerprint } from '../../../common/fingerprint.js';
import { combine } from '../../../common/shamir.js';
import { REKEY_WRONG, UNSEAL_WRONG, rekeyAudit, unsealWith, waitUnsealed } from './support/steps.js';
import { waitFor, type VaultClient } from './support/client.js';
import { DoubleCluster, FAST_OPTIONS } from './support/double-cluster.js';

interface Booted {
  keys: string[];
  token: string;
}

/** init on server 0, join 1 and 2, unseal all three; checks the follower's delayed unseal on the way. */
async function boot(cluster: DoubleCluster): Promise<Booted> {
  const early = await cluster.server(1).put('sys/storage/raft/join', { leader_api_addr: cluster.leaderApiAddr });
  expect(early.status).to.equal(500);
  expect(early.body.errors).to.deep.equal(['failed to join raft cluster: failed to get raft challenge']);
  const init = await cluster.server(0).put('sys/init', { secret_shares: 5, secret_threshold: 3 });
  const keys: string[] = init.body.keys;
  expect((await unsealWith(cluster.server(0), keys)).body.sealed).to.equal(false);
  for (const i of [1, 2]) {
    await cluster.server(i).put('sys/storage/raft/join', { leader_api_addr: cluster.leaderApiAddr });
    const last = await unsealWith(cluster.server(i), keys);
    // A joined follower's last share: still sealed, progress 0, unseals shortly after.
    expect(last.body).to.include({ sealed: true, progress: 0, initialized: true });
    await waitUnsealed(cluster.server(i));
  }
  await cluster.activeIndex();
  return { keys, token: init.body.root_token };
}

/** Rekey without verification through `c`: rotation at the update threshold. Returns the new shares. */
async function rekeyNow(c: VaultClient, oldKeys: string[], shares: number, threshold: number): Promise<string[]> {
  const init = await c.put('sys/rekey/init', { secret_shares: shares, secret_threshold: threshold });
  expect(init.body.verification_required).to.equal(false);
  let r;
  for (const key of oldKeys.slice(0, init.body.required)) r = await c.put('sys/rekey/update', { key, nonce: init.body.nonce });
  expect(r!.body).to.include({ complete: true, verification_required: false });
  expect((await c.get('sys/rekey/init')).body.started).to.equal(false);
  return r!.body.keys;
}

/** Waits until the active's ha-status no longer lists `pod` (its heartbeat went stale), or lists it again. */
async function waitListed(cluster: DoubleCluster, token: string, pod: string, listed: boolean): Promise<void> {
  await waitFor(`${pod} ${listed ? '' : 'not '}listed in ha-status`, async () => {
    const a = await cluster.activeIndex();
    const ha = await cluster.server(a).get('sys/ha-status', { token });
    const present = (ha.body.nodes as { hostname: string }[]).some((n) => n.hostname === pod);
    return present === listed ? true : undefined;
  });
}

describe('vault double: named switches and harness feed', function () {
  this.timeout(30_000);

  describe("staleSealedNode: 'old-key' (default)", () => {
    const cluster = new DoubleCluster({ ipBase: '127.44.0', options: FAST_OPTIONS, feed: true });
    before(async () => cluster.setup());
    after(async () => cluster.stop());

    it('a server down during a rotation needs the old key at the old threshold until it caught up; standbys show stale t/n', async () => {
      const { keys, token } = await boot(cluster);
      const a = await cluster.activeIndex();
      const down = (a + 1) % 3;
      const up = (a + 2) % 3;
      await cluster.kill(down);
      // Rotate at once: a killed server counts as down even while its last heartbeat is fresh.
      const newKeys = await rekeyNow(cluster.server(a), keys, 4, 2);
      expect(newKeys).to.have.length(4);
      expect((await cluster.server(a).get('sys/seal-status')).body).to.include({ t: 2, n: 4 });
      expect((await cluster.server(up).get('sys/seal-status')).body).to.include({ sealed: false, t: 3, n: 5 });

      await cluster.start(down);
      expect((await cluster.server(down).get('sys/seal-status')).body).to.include({ sealed: true, t: 3, n: 5 });
      expect((await unsealWith(cluster.server(down), newKeys)).body.errors).to.deep.equal([UNSEAL_WRONG]);
      expect((await unsealWith(cluster.server(down), keys)).body.sealed).to.equal(false);
      await waitListed(cluster, token, cluster.pod(down), true);

      // Caught up: from now on it needs the new key, at the new threshold.
      await cluster.restart(down);
      expect((await cluster.server(down).get('sys/seal-status')).body).to.include({ t: 2, n: 4 });
      expect((await unsealWith(cluster.server(down), keys)).body.errors).to.deep.equal([UNSEAL_WRONG]);
      const second = await cluster.server(down).put('sys/unseal', { key: newKeys[3] });
      expect(second.body.progress).to.equal(1);
      expect((await cluster.server(down).put('sys/unseal', { key: newKeys[0] })).body.sealed).to.equal(false);
      expect((await rekeyAudit(cluster.server(a), keys)).body.errors).to.deep.equal([REKEY_WRONG]);
    });

    it('the feed names the key in effect by fingerprint and records the rekey milestones', async () => {
      const lines = (await readFile(cluster.feedPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const events = lines.map((l) => l.event);
      const keys = lines.filter((l) => l.event === 'key-in-effect');
      expect(keys.map((k) => k.epoch)).to.deep.equal([0, 1]);
      expect(keys[0]!.keyFp).to.not.equal(keys[1]!.keyFp);
      const start = events.indexOf('rekey-started');
      expect(start).to.be.greaterThan(-1);
      expect(events.slice(start)).to.include.members(['rekey-progress', 'rekey-auth-complete', 'rotated']);
      expect(lines.find((l) => l.event === 'rotated')!.keyFp).to.equal(keys[1]!.keyFp);
      expect(events).to.include.members(['active', 'unsealed', 'node-key']);
      for (const l of lines) expect(typeof l.t === 'number' && typeof l.server === 'string').to.equal(true);
      const raw = await readFile(cluster.feedPath, 'utf8');
      expect(raw).not.to.match(/[0-9a-f]{66}|hvs\./);
    });
  });

  describe("staleSealedNode: 'current-key', feed fingerprints, recreation", () => {
    const cluster = new DoubleCluster({ ipBase: '127.44.0', options: { ...FAST_OPTIONS, staleSealedNode: 'current-key' }, feed: true });
    let current: Booted = { keys: [], token: '' };
    before(async () => cluster.setup());
    after(async () => cluster.stop());

    it('a server down during a rotation needs the new key at once; the feed fingerprint matches the combined shares', async () => {
      const { keys, token } = await boot(cluster);
      const a = await cluster.activeIndex();
      const down = (a + 1) % 3;
      await cluster.kill(down);
      await waitListed(cluster, token, cluster.pod(down), false);
      const newKeys = await rekeyNow(cluster.server(a), keys, 5, 3);
      await cluster.start(down);
      expect((await unsealWith(cluster.server(down), keys)).body.errors).to.deep.equal([UNSEAL_WRONG]);
      expect((await unsealWith(cluster.server(down), newKeys)).body.sealed).to.equal(false);

      const fp = async (shares: string[]) => keyFingerprint(await combine(shares.slice(0, 3).map((k) => new Uint8Array(Buffer.from(k, 'hex')))));
      const lines = (await readFile(cluster.feedPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const inEffect = lines.filter((l) => l.event === 'key-in-effect').map((l) => l.keyFp);
      expect(inEffect).to.deep.equal([await fp(keys), await fp(newKeys)]);
      current = { keys: newKeys, token };
    });

    it('a recreated pod (new address) comes up sealed, unseals, and is listed with its new address', async () => {
      const a = await cluster.activeIndex();
      const victim = (a + 1) % 3;
      const before = cluster.server(victim).address;
      await cluster.recreate(victim);
      const c = cluster.server(victim);
      expect(c.address).not.to.equal(before);
      const h = await c.get('sys/health');
      expect(h.status).to.equal(503);
      expect(h.body).to.include({ initialized: true, sealed: true });
      expect((await unsealWith(c, current.keys)).body.sealed).to.equal(false);
      await waitListed(cluster, current.token, cluster.pod(victim), true);
      const active = await cluster.activeIndex();
      const ha = await cluster.server(active).get('sys/ha-status', { token: current.token });
      const entry = (ha.body.nodes as { hostname: string; api_address: string }[]).find((n) => n.hostname === cluster.pod(victim));
      expect(entry!.api_address).to.equal(c.address);
    });

    it('with every unsealed server cooling down after a step-down, a standby answers 500: no active node', async () => {
      const a = await cluster.activeIndex();
      const standby = [0, 1, 2].find((i) => i !== a)!;
      const third = [0, 1, 2].find((i) => i !== a && i !== standby)!;
      await cluster.kill(third);
      expect((await cluster.server(a).put('sys/step-down', {}, { token: current.token })).status).to.equal(204);
      expect(await cluster.activeIndex([a])).to.equal(standby);
      // `a` now cools down (stepDownCooldownMs 2 s); stepping `standby` down leaves nobody to take the lease.
      expect((await cluster.server(standby).put('sys/step-down', {}, { token: current.token })).status).to.equal(204);
      const r = await cluster.server(a).get('sys/rekey/init');
      expect(r.status).to.equal(500);
      expect(r.body.errors).to.deep.equal(['local node not active but active cluster node not found']);
      expect((await cluster.server(a).get('sys/leader')).body).to.include({ is_self: false, leader_address: '' });
      // The cooldown ends and one of them becomes active again.
      await cluster.activeIndex([third]);
    });
  });
});
