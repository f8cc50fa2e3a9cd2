/**
 * The Vault conformance suite (the Vault behaviour the double must share with
 * real Vault; docs/procedure.md lists what the procedure relies on): one cluster driven
 * through init, unseal, health, forwarding, rekey with verification, the
 * cancel paths, generate-root and rekey-init audits, active-server kills and
 * seal/step-down. Written against `ConformanceTarget`, so the same cases run
 * against the double here and against a real Vault (real-vault.test.ts).
 * Cases needing process faults skip themselves where the target has none.
 */
import { expect } from 'chai';
import { waitFor, type VaultReply } from './support/client.js';
import { REKEY_WRONG, ROOT_WRONG, UNSEAL_WRONG, foreignShares, rekeyAudit, unsealWith, waitUnsealed } from './support/steps.js';
import type { ConformanceTarget } from './support/target.js';
import { expectWire } from './support/wire.js';
import { defineWireCases } from './conformance-wire.js';

export function defineConformance(getTarget: () => ConformanceTarget): void {
  let t: ConformanceTarget;
  let oldKeys: string[] = [];
  let oldKeysB64: string[] = [];
  let rootToken = '';
  /** Every shard and token the cluster issued during the suite, for the log check. */
  const issued: string[] = [];
  const remember = (keys: string[] | undefined) => {
    for (const k of keys ?? []) issued.push(k, Buffer.from(k, 'hex').toString('base64'));
  };
  const s = (i: number) => t.server(i);

  async function activeIndex(exclude: number[] = []): Promise<number> {
    return waitFor('an active server', async () => {
      for (let i = 0; i < 3; i++) {
        if (exclude.includes(i)) continue;
        const h = await s(i).get('sys/health').catch(() => undefined);
        if (h?.status === 200) return i;
      }
      return undefined;
    });
  }

  before(function () {
    t = getTarget();
  });

  describe('bootstrap, unseal, health, forwarding', () => {
  it('an uninitialized server: health 501, seal-status t=0, invalid init configs rejected', async () => {
    const h = await s(0).get('sys/health');
    expectWire(h, 501);
    expect(h.body).to.include({ initialized: false, sealed: true, standby: true });
    const st = await s(0).get('sys/seal-status');
    expectWire(st, 200);
    expect(st.body).to.include({ type: 'shamir', initialized: false, sealed: true, t: 0, n: 0 });
    const bad = await s(0).put('sys/init', { secret_shares: 5, secret_threshold: 6 });
    expectWire(bad, 400);
    expect(bad.body.errors).to.deep.equal(['invalid seal configuration: threshold cannot be larger than shares']);
    const one = await s(0).put('sys/init', { secret_shares: 5, secret_threshold: 1 });
    expect(one.body.errors).to.deep.equal(['invalid seal configuration: threshold must be greater than one for multiple shares']);
    const initStatus = await s(0).get('sys/init');
    expectWire(initStatus, 200);
    expect(initStatus.body).to.deep.equal({ initialized: false });
    expectWire(await s(0).del('sys/init'), 405);
  });

  it('init 5/3: 33-byte shares in hex and base64, an hvs. root token, the server stays sealed', async () => {
    const r = await s(0).post('sys/init', { secret_shares: 5, secret_threshold: 3 });
    expectWire(r, 200);
    expect(r.body.keys).to.have.length(5);
    r.body.keys.forEach((hex: string, i: number) => {
      expect(hex).to.match(/^[0-9a-f]{66}$/);
      expect(Buffer.from(r.body.keys_base64[i], 'base64').toString('hex')).to.equal(hex);
    });
    expect(r.body.root_token).to.match(/^hvs\.[A-Za-z0-9]{24}$/);
    oldKeys = r.body.keys;
    oldKeysB64 = r.body.keys_base64;
    rootToken = r.body.root_token;
    remember(oldKeys);
    issued.push(rootToken);
    expect((await s(0).get('sys/seal-status')).body).to.include({ initialized: true, sealed: true, t: 3, n: 5, progress: 0 });
    const again = await s(0).put('sys/init', { secret_shares: 5, secret_threshold: 3 });
    expect(again.status).to.equal(400);
    expect(again.body.errors).to.deep.equal(['Vault is already initialized']);
  });

  it("followers join the leader and report its t/n while sealed", async () => {
    for (const i of [1, 2]) {
      const j = await s(i).put('sys/storage/raft/join', { leader_api_addr: t.leaderApiAddr, leader_ca_cert: t.leaderCaCert });
      expect(j.status, JSON.stringify(j.body)).to.equal(200);
      expect(j.body).to.deep.equal({ joined: true });
      expect((await s(i).get('sys/seal-status')).body).to.include({ initialized: true, sealed: true, t: 3, n: 5 });
    }
  });

  it('unseal: progress and nonce, reset, same key ignored, wrong set at the threshold → 400 and cleared', async () => {
    const c = s(0);
    let r = await c.put('sys/unseal', { key: oldKeys[0] });
    expectWire(r, 200);
    expect(r.body).to.include({ sealed: true, progress: 1 });
    expect(r.body.nonce).to.match(/^[0-9a-f-]{36}$/);
    r = await c.put('sys/unseal', { reset: true });
    expect(r.body).to.include({ progress: 0, nonce: '' });
    await c.put('sys/unseal', { key: oldKeys[0] });
    r = await c.put('sys/unseal', { key: oldKeys[0] });
    expect(r.status).to.equal(200);
    expect(r.body.progress).to.equal(1);
    await c.put('sys/unseal', { reset: true });
    const wrong = await unsealWith(c, await foreignShares());
    expectWire(wrong, 400);
    expect(wrong.body.errors).to.deep.equal([UNSEAL_WRONG]);
    expect((await c.get('sys/seal-status')).body).to.include({ sealed: true, progress: 0, nonce: '' });
    expect((await c.put('sys/unseal', { key: 'zz-not-a-key' })).body.errors).to.deep.equal(["'key' must be a valid hex or base64 string"]);
    expect((await c.put('sys/unseal', {})).body.errors).to.deep.equal(["'key' must be specified in request body as JSON, or 'reset' set to true"]);
    // One share in base64: both encodings are accepted.
    r = await unsealWith(c, [oldKeys[0]!, oldKeysB64[1]!, oldKeys[2]!]);
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ sealed: false, progress: 0 });
    const noop = await c.put('sys/unseal', { key: oldKeys[3] });
    expect(noop.status).to.equal(200);
    expect(noop.body.sealed).to.equal(false);
    const reset = await c.put('sys/unseal', { reset: true });
    expect(reset.status).to.equal(400);
    expect(reset.body.errors).to.deep.equal(['vault is unsealed']);
  });

  it('health: active 200, sealed 503 (standby:true), standby 429 or 200 with standbyok; HEAD and bad params', async () => {
    await waitFor('server 0 active', async () => ((await s(0).get('sys/health')).status === 200 ? true : undefined));
    const sealed = await s(1).get('sys/health');
    expectWire(sealed, 503);
    expect(sealed.body).to.include({ initialized: true, sealed: true, standby: true });
    for (const i of [1, 2]) {
      const last = await unsealWith(s(i), oldKeys.slice(2, 5));
      expect(last.status, JSON.stringify(last.body)).to.equal(200);
      expect(last.body.progress).to.equal(0);
      await waitUnsealed(s(i));
    }
    const standby = await s(1).get('sys/health');
    expectWire(standby, 429);
    expect(standby.body).to.include({ sealed: false, standby: true });
    expect((await s(1).get('sys/health?standbyok=true')).status).to.equal(200);
    expect((await s(1).get('sys/health?standbycode=299')).status).to.equal(299);
    const head = await s(0).call('HEAD', 'sys/health');
    expectWire(head, 200, 'head');
    expect(head.body).to.equal(undefined);
    expect((await s(0).get('sys/health?standbyok=maybe')).status).to.equal(400);
    const active = await s(0).get('sys/health');
    expectWire(active, 200);
    expect(active.body).to.include({ standby: false, replication_dr_mode: 'disabled' });
    expect((await s(2).get('sys/seal-status')).body).to.include({ sealed: false, t: 3, n: 5 });
  });

  it('standbys forward rekey status to the active, and answer 307 when told not to forward', async () => {
    const a = await activeIndex();
    const standby = s((a + 1) % 3);
    const direct = await s(a).get('sys/rekey/init');
    const viaStandby = await standby.get('sys/rekey/init');
    expectWire(viaStandby, 200);
    expect(viaStandby.body).to.deep.equal(direct.body);
    expect(direct.body).to.include({ started: false, nonce: '', required: 3, verification_required: false });
    const redirect = await standby.get('sys/rekey/init', { headers: { 'X-Vault-No-Request-Forwarding': 'true' } });
    expectWire(redirect, 307, 'redirect');
    expect(String(redirect.headers.location)).to.match(/\/v1\/sys\/rekey\/init$/);
  });

  });

  describe('wire format, as shell clients read it', () => defineWireCases(() => ({ target: t, rootToken, activeIndex })));

  describe('rekey with verification', () => {
    let nonce = '';
    let newKeys: string[] = [];
    let verificationNonce = '';

    it('one rekey at a time; nonce and duplicate checks; a wrong set at the threshold → 500 and the rekey survives', async () => {
      const a = await activeIndex();
      const viaStandby = s((a + 1) % 3);
      const init = await viaStandby.put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
      expectWire(init, 200);
      expect(init.body).to.include({ started: true, t: 3, n: 5, progress: 0, required: 3, verification_required: true });
      expect(init.body).not.to.have.property('verification_nonce');
      nonce = init.body.nonce;
      for (let i = 0; i < 3; i++) expect((await s(i).get('sys/rekey/init')).body.nonce).to.equal(nonce);
      const again = await s(a).put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
      expect(again.status).to.equal(400);
      expect(again.body.errors).to.deep.equal(['rekey already in progress']);
      const badNonce = await s(a).put('sys/rekey/update', { key: oldKeys[0], nonce: '00000000-0000-0000-0000-000000000000' });
      expectWire(badNonce, 400);
      expect(badNonce.body.errors).to.deep.equal([`incorrect nonce supplied; nonce for this rekey operation is "${nonce}"`]);
      const wrong = await foreignShares();
      expect((await s(a).put('sys/rekey/update', { key: wrong[0], nonce })).body.progress).to.equal(1);
      const dup = await s(a).put('sys/rekey/update', { key: wrong[0], nonce });
      expect(dup.status).to.equal(400);
      expect(dup.body.errors).to.deep.equal(['given key has already been provided during this generation operation']);
      await s(a).put('sys/rekey/update', { key: wrong[1], nonce });
      const fail = await s(a).put('sys/rekey/update', { key: wrong[2], nonce });
      expectWire(fail, 500);
      expect(fail.body.errors).to.deep.equal([REKEY_WRONG]);
      expect((await s(a).get('sys/rekey/init')).body).to.include({ started: true, nonce, progress: 0 });
    });

    it('the correct old set completes authentication with new shares and a verification nonce', async () => {
      const c = s((await activeIndex() + 2) % 3); // through a standby
      let r: VaultReply | undefined;
      for (const key of oldKeys.slice(0, 3)) r = await c.put('sys/rekey/update', { key, nonce });
      expectWire(r!, 200);
      expect(r!.body).to.include({ complete: true, verification_required: true, nonce });
      expect(r!.body.keys).to.have.length(5);
      r!.body.keys.forEach((k: string) => expect(k).to.match(/^[0-9a-f]{66}$/));
      verificationNonce = r!.body.verification_nonce;
      expect(verificationNonce).to.match(/^[0-9a-f-]{36}$/);
      newKeys = r!.body.keys;
      remember(newKeys);
      const status = await c.get('sys/rekey/init');
      expect(status.body).to.include({ started: true, verification_nonce: verificationNonce });
      const late = await c.put('sys/rekey/update', { key: oldKeys[3], nonce });
      expect(late.body.errors).to.deep.equal([`rekey operation already finished; verification must be performed; nonce for the verification operation is "${verificationNonce}"`]);
      expect((await c.get('sys/rekey/verify')).body).to.include({ nonce: verificationNonce, started: true, t: 3, n: 5, progress: 0 });
    });

    it('before verification nothing is rotated: a restarted server unseals with the old shards only', async function () {
      if (!t.restart) return this.skip();
      const a = await activeIndex();
      const victim = (a + 1) % 3;
      await t.restart(victim);
      const withNew = await unsealWith(s(victim), newKeys);
      expect(withNew.status).to.equal(400);
      expect(withNew.body.errors).to.deep.equal([UNSEAL_WRONG]);
      expect((await unsealWith(s(victim), oldKeys)).status).to.equal(200);
      await waitUnsealed(s(victim));
    });

    it('a failed verification keeps the rekey and rotates the verification nonce; DELETE verify restarts verification only', async () => {
      const c = s(await activeIndex());
      let r: VaultReply | undefined;
      for (const key of oldKeys.slice(0, 3)) r = await c.put('sys/rekey/verify', { key, nonce: verificationNonce });
      expectWire(r!, 400);
      expect(r!.body.errors).to.deep.equal(['rekey verification failed; incorrect key shares supplied']);
      const after = await c.get('sys/rekey/verify');
      expectWire(after, 200);
      expect(after.body).to.include({ started: true, progress: 0 });
      expect(after.body.nonce).not.to.equal(verificationNonce);
      verificationNonce = after.body.nonce;
      const stale = await c.put('sys/rekey/verify', { key: newKeys[0], nonce: '00000000-0000-0000-0000-000000000000' });
      expect(stale.body.errors).to.deep.equal([`incorrect nonce supplied; nonce for this verify operation is "${verificationNonce}"`]);
      expect((await c.put('sys/rekey/verify', { key: newKeys[0], nonce: verificationNonce })).body.progress).to.equal(1);
      const reset = await c.del('sys/rekey/verify');
      expectWire(reset, 200);
      expect(reset.body).to.include({ started: true, progress: 0 });
      expect(reset.body.nonce).not.to.equal(verificationNonce);
      verificationNonce = reset.body.nonce;
      expect((await c.get('sys/rekey/init')).body).to.include({ started: true, nonce });
    });

    it('verification with the new shares rotates: old shards no longer authenticate, new ones do', async () => {
      const c = s(await activeIndex());
      let r: VaultReply | undefined;
      for (const key of newKeys.slice(1, 4)) r = await c.put('sys/rekey/verify', { key, nonce: verificationNonce });
      expectWire(r!, 200);
      expect(r!.body).to.deep.equal({ nonce: verificationNonce, complete: true });
      expect((await c.get('sys/rekey/init')).body).to.include({ started: false, nonce: '' });
      const old = await rekeyAudit(c, oldKeys);
      expect(old.status).to.equal(500);
      expect(old.body.errors).to.deep.equal([REKEY_WRONG]);
      const current = await rekeyAudit(c, newKeys);
      expect(current.status).to.equal(200);
      expect(current.body).to.include({ complete: true, verification_required: true });
    });

    it('after the rotation a restarted server needs the new shards', async function () {
      if (!t.restart) return this.skip();
      const a = await activeIndex();
      const victim = (a + 2) % 3;
      await t.restart(victim);
      const withOld = await unsealWith(s(victim), oldKeys);
      expect(withOld.body.errors).to.deep.equal([UNSEAL_WRONG]);
      expect((await unsealWith(s(victim), newKeys)).status).to.equal(200);
      await waitUnsealed(s(victim));
      oldKeys = newKeys;
    });

    after(() => {
      if (newKeys.length) oldKeys = newKeys;
    });
  });

  describe('cancel paths, audits and faults', () => {
  it('cancel: DELETE rekey/init abandons a pending verification; the old shards stay current', async () => {
    const c = s(await activeIndex());
    const init = await c.put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
    let r: VaultReply | undefined;
    for (const key of oldKeys.slice(0, 3)) r = await c.put('sys/rekey/update', { key, nonce: init.body.nonce });
    const discarded: string[] = r!.body.keys;
    remember(discarded);
    expect((await c.del('sys/rekey/verify')).body.started).to.equal(true);
    expect((await c.get('sys/rekey/init')).body.started).to.equal(true);
    expectWire(await c.del('sys/rekey/init'), 204, 'empty');
    expectWire(await c.del('sys/rekey/init'), 204, 'empty');
    expect((await c.get('sys/rekey/init')).body).to.include({ started: false });
    const stale = await c.put('sys/rekey/update', { key: oldKeys[0], nonce: init.body.nonce });
    expect(stale.body.errors).to.deep.equal(['no barrier rekey in progress']);
    expect((await rekeyAudit(c, discarded)).body.errors).to.deep.equal([REKEY_WRONG]);
    expect((await rekeyAudit(c, oldKeys)).status).to.equal(200);
  });

  it('generate-root as an audit: a wrong set → 400 and the attempt stays; the current set mints a working root token', async () => {
    const c = s((await activeIndex() + 1) % 3); // forwarded from a standby
    const start = await c.put('sys/generate-root/attempt', {});
    expect(start.status).to.equal(200);
    expect(start.body).to.include({ started: true, progress: 0, required: 3, otp_length: 28 });
    const otp: string = start.body.otp;
    expect(otp).to.have.length(28);
    let r: VaultReply | undefined;
    for (const key of await foreignShares()) r = await c.put('sys/generate-root/update', { key, nonce: start.body.nonce });
    expect(r!.status).to.equal(400);
    expect(r!.body.errors).to.deep.equal([ROOT_WRONG]);
    expect((await c.get('sys/generate-root/attempt')).body).to.include({ started: true, nonce: start.body.nonce, progress: 0 });
    expect((await c.put('sys/generate-root/attempt', {})).body.errors).to.deep.equal(['root generation already in progress']);
    for (const key of oldKeys.slice(0, 3)) r = await c.put('sys/generate-root/update', { key, nonce: start.body.nonce });
    expect(r!.status).to.equal(200);
    expect(r!.body.complete).to.equal(true);
    const encoded = Buffer.from(r!.body.encoded_token, 'base64');
    const token = Buffer.from(encoded.map((b, i) => b ^ otp.charCodeAt(i))).toString('utf8');
    expect(token).to.match(/^hvs\./);
    issued.push(token, otp);
    expect((await c.get('auth/token/lookup-self', { token })).status).to.equal(200);
    expect((await c.post('auth/token/revoke-self', {}, { token })).status).to.equal(204);
    expect((await c.get('auth/token/lookup-self', { token })).status).to.equal(403);
    expect((await c.del('sys/generate-root/attempt')).status).to.equal(204);
    expect((await c.get('auth/token/lookup-self', { token: rootToken })).status).to.equal(200);
  });

  it('killing the active during authentication loses the rekey; a new active is elected; old shards still unseal', async function () {
    if (!t.restart) return this.skip();
    const a = await activeIndex();
    const init = await s(a).put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
    expect((await s(a).put('sys/rekey/update', { key: oldKeys[0], nonce: init.body.nonce })).body.progress).to.equal(1);
    await t.kill!(a);
    const b = await activeIndex([a]);
    expect(b).not.to.equal(a);
    expect((await s(b).get('sys/rekey/init')).body).to.include({ started: false, nonce: '' });
    expect((await s(b).put('sys/rekey/update', { key: oldKeys[1], nonce: init.body.nonce })).body.errors).to.deep.equal(['no barrier rekey in progress']);
    await t.start!(a);
    expect((await unsealWith(s(a), oldKeys)).status).to.equal(200);
    await waitUnsealed(s(a));
  });

  it('killing the active during verification loses the pending key; old shards stay current', async function () {
    if (!t.restart) return this.skip();
    const a = await activeIndex();
    const init = await s(a).put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
    let r: VaultReply | undefined;
    for (const key of oldKeys.slice(0, 3)) r = await s(a).put('sys/rekey/update', { key, nonce: init.body.nonce });
    const pending: string[] = r!.body.keys;
    remember(pending);
    expect((await s(a).put('sys/rekey/verify', { key: pending[0], nonce: r!.body.verification_nonce })).body.progress).to.equal(1);
    await t.kill!(a);
    const b = await activeIndex([a]);
    expect((await s(b).get('sys/rekey/init')).body.started).to.equal(false);
    expect((await s(b).get('sys/rekey/verify')).body.errors).to.deep.equal(['no rekey configuration found']);
    await t.start!(a);
    expect((await unsealWith(s(a), pending)).body.errors).to.deep.equal([UNSEAL_WRONG]);
    expect((await unsealWith(s(a), oldKeys)).status).to.equal(200);
    await waitUnsealed(s(a));
    expect((await rekeyAudit(s(b), oldKeys)).status).to.equal(200);
  });

  it('seal and step-down need a token; a standby cannot seal; a sealed active is replaced', async () => {
    const a = await activeIndex();
    const standby = (a + 1) % 3;
    const onStandby = await s(standby).put('sys/seal', {}, { token: rootToken });
    expect(onStandby.status).to.equal(500);
    expect(onStandby.body.errors).to.deep.equal(['vault cannot seal when in standby mode; please restart instead']);
    const noToken = await s(a).put('sys/seal', {});
    expect(noToken.status).to.equal(403);
    expect(noToken.body.errors[0]).to.contain('permission denied');
    expect((await s(a).put('sys/step-down', {})).status).to.equal(403);
    expect((await s(a).put('sys/seal', {}, { token: rootToken })).status).to.equal(204);
    expect((await s(a).get('sys/health')).status).to.equal(503);
    const rekeyOnSealed = await s(a).get('sys/rekey/init');
    expect(rekeyOnSealed.status).to.equal(503);
    expect(rekeyOnSealed.body.errors).to.deep.equal(['Vault is sealed']);
    const b = await activeIndex([a]);
    expect(b).not.to.equal(a);
    expect((await s(b).get('sys/leader')).body).to.include({ ha_enabled: true, is_self: true });
    expect((await unsealWith(s(a), oldKeys)).status).to.equal(200);
    await waitUnsealed(s(a));
    const ha = await s(a).get('sys/ha-status', { token: rootToken });
    expect(ha.status).to.equal(200);
    expect(ha.body.data.nodes.filter((n: { active_node: boolean }) => n.active_node)).to.have.length(1);
    expect((await s(b).put('sys/step-down', {}, { token: rootToken })).status).to.equal(204);
    const c = await activeIndex([b]);
    expect(c).not.to.equal(b);
  });

  });

  describe('secrets hygiene', () => {
  it('no shard or token appears in any log line the servers wrote', function () {
    if (!t.logs) return this.skip();
    const lines = t.logs();
    expect(lines.length).to.be.greaterThan(10);
    expect(issued.length).to.be.greaterThan(20);
    for (const line of lines) for (const secret of issued) expect(line.includes(secret), `secret in log line: ${line.slice(0, 60)}`).to.equal(false);
  });
  });
}
