/**
 * The vault-trouble fault against fake capabilities (unit lane: no process,
 * no socket): one rule per resolved server, applied when every server
 * accepted it, its final counts read and the rules removed by `finish`, and a
 * backend without the capability reported as a miss with the reason.
 */
import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import type { ProcessCapabilities, VaultTroubleCapability } from '../../harness/backends/backend.js';
import { troubleRequest } from '../../harness/backends/embedded-trouble.js';
import { applyFault } from '../../harness/faults/inject.js';
import type { PodApi } from '../../harness/faults/pod-api.js';
import type { FaultSpec, PlannedFault } from '../../common/scenario.js';
import { MemoryTimeline } from '../../harness/run/timeline-source.js';
import { armFaults } from '../../harness/run/triggers.js';
import { NAMES } from '../harness/fixtures.js';

function pod(i: number, active: boolean, sealed = false): k8s.V1Pod {
  return {
    metadata: { name: `sva-vault-${i}`, uid: `uid-${i}`, labels: { component: 'server', 'app.kubernetes.io/name': 'vault', 'vault-active': String(active), 'vault-sealed': String(sealed) } },
    spec: { nodeName: ['controller-0', 'controller-1', 'worker-0'][i]!, containers: [] },
    status: { podIP: `127.73.0.${10 + i}` },
  };
}

const PODS = [pod(0, true), pod(1, false), pod(2, false, true)];
const pods: PodApi = {
  async listPods() {
    return PODS;
  },
  async deletePod() {
    throw new Error('a trouble fault deletes nothing');
  },
};

/** A trouble API that keeps its rules in memory; `bite` plays requests meeting them. */
function fakeTrouble(options: { refuse?: string; lose?: string } = {}) {
  const rules = new Map<string, { pod: string; count: number; applied: number; spec: unknown }>();
  let next = 1;
  const capability: VaultTroubleCapability = {
    async arm(namespace, podName, spec) {
      expect(namespace).to.equal(NAMES.namespace);
      if (podName === options.refuse) throw new Error(`${podName} refused the rule`);
      const id = `t${next++}`;
      rules.set(id, { pod: podName, count: spec.count, applied: 0, spec: troubleRequest(spec) });
      return { id, at: 1000 + next };
    },
    async finish(_namespace, podName, id) {
      const rule = rules.get(id);
      if (!rule || rule.pod !== podName || podName === options.lose) throw new Error(`no trouble rule ${id}`);
      rules.delete(id);
      return { id, applied: rule.applied, remaining: rule.count - rule.applied };
    },
  };
  const bite = (podName: string, n: number) => {
    for (const r of rules.values()) if (r.pod === podName) r.applied += n;
  };
  return { capability, rules, bite };
}

const UNSEAL_ERRORS: FaultSpec = { kind: 'vault-trouble', targets: ['all-servers'], trouble: { path: 'sys/unseal', mode: 'error', count: 3 } };

function ctx(processes: ProcessCapabilities) {
  return { pods, processes, names: NAMES, timescale: 0.02 };
}

describe('harness/faults: vault-trouble', () => {
  it('arms one rule per target server, applied when the last one was accepted, and finish reads and removes them', async () => {
    const fake = fakeTrouble();
    const app = await applyFault(UNSEAL_ERRORS, 1, ctx({ name: 'embedded', vaultTrouble: fake.capability }));
    expect(app.target).to.equal('sva-vault-0,sva-vault-1,sva-vault-2');
    expect(app.missing).to.deep.equal([]);
    expect(app.appliedAt).to.equal(Math.max(...app.units.map((u) => u.at!)));
    expect([...fake.rules.values()].map((r) => r.spec)).to.deep.equal([0, 1, 2].map(() => ({ path: 'sys/unseal', mode: 'error', count: 3 })));
    fake.bite('sva-vault-2', 3);
    expect(app.finish, 'a trouble fault has rules to read').to.be.a('function');
    const effects = await app.finish!();
    expect(effects).to.deep.equal([
      { server: 'sva-vault-0', rule: 't1', applied: 0, remaining: 3 },
      { server: 'sva-vault-1', rule: 't2', applied: 0, remaining: 3 },
      { server: 'sva-vault-2', rule: 't3', applied: 3, remaining: 0 },
    ]);
    expect(fake.rules.size, 'no rule is left to meet the audits or the next iteration').to.equal(0);
  });

  it('resolves `active` and `server:<n>` like every other fault, and passes delay and methods through', async () => {
    const fake = fakeTrouble();
    const spec: FaultSpec = { kind: 'vault-trouble', targets: ['active', 'server:2'], trouble: { path: 'sys/rekey/verify', mode: 'delay', count: 1, delayMs: 800, methods: ['PUT'] } };
    const app = await applyFault(spec, 1, ctx({ name: 'embedded', vaultTrouble: fake.capability }));
    expect(app.target).to.equal('sva-vault-0,sva-vault-2');
    expect([...fake.rules.values()][0]!.spec).to.deep.equal({ path: 'sys/rekey/verify', mode: 'delay', count: 1, delayMs: 800, methods: ['PUT'] });
  });

  it('a server that refuses is a miss (only part of the fault applied); a rule lost with its server is an error of that rule, not a throw', async () => {
    const fake = fakeTrouble({ refuse: 'sva-vault-1', lose: 'sva-vault-0' });
    const app = await applyFault(UNSEAL_ERRORS, 1, ctx({ name: 'embedded', vaultTrouble: fake.capability }));
    expect(app.missing).to.deep.equal(['sva-vault-1: sva-vault-1 refused the rule']);
    const effects = await app.finish!();
    expect(effects.map((e) => [e.server, e.error ?? e.applied])).to.deep.equal([
      ['sva-vault-0', 'no trouble rule t1'],
      ['sva-vault-2', 0],
    ]);
  });

  it('a backend without the capability hits nothing and says why', async () => {
    const app = await applyFault(UNSEAL_ERRORS, 1, ctx({ name: 'kind' }));
    expect(app.appliedAt).to.equal(undefined);
    expect(app.finish).to.equal(undefined);
    expect(app.missing).to.deep.equal([0, 1, 2].map((i) => `sva-vault-${i}: vault trouble is not supported on the kind backend`));
  });

  it('other fault kinds leave nothing to finish', async () => {
    const app = await applyFault({ kind: 'kill-process', targets: ['active'] }, 1, ctx({ name: 'embedded', killProcess: async () => ({ at: 5 }) }));
    expect(app.finish).to.equal(undefined);
  });
});

describe('harness/run: a vault-trouble fault in the run record', () => {
  const planned: PlannedFault = { index: 0, trigger: { after: 'vault-sealed', offsetMs: 0, occurrence: 1 }, fault: UNSEAL_ERRORS, targetSeed: 1 };

  it('fires on an unseal milestone, lands when armed, and records how many requests each rule hit (read once, rules removed)', async () => {
    const timeline = new MemoryTimeline();
    const fake = fakeTrouble();
    let finishes = 0;
    const armed = armFaults(timeline, [planned], async (p) => {
      const app = await applyFault(p.fault, p.targetSeed, ctx({ name: 'embedded', vaultTrouble: fake.capability }));
      const finish = app.finish!;
      return { ...app, finish: () => (finishes++, finish()) };
    });
    timeline.add({ t: 1000, name: 'vault-sealed', source: 'vault-feed', detail: { server: 'sva-vault-2', cause: 'start' } });
    await armed.settleFired();
    fake.bite('sva-vault-2', 2);
    armed.cancel();
    await armed.finishFaults();
    await armed.finishFaults();
    expect(finishes, 'finishFaults is idempotent').to.equal(1);
    const [fault] = armed.results(timeline.events());
    expect(fault).to.include({ kind: 'vault-trouble', landed: true, targetSpec: 'all-servers', trigger: 'after:vault-sealed' });
    expect(fault!.trouble).to.deep.equal([
      { server: 'sva-vault-0', rule: 't1', applied: 0, remaining: 3 },
      { server: 'sva-vault-1', rule: 't2', applied: 0, remaining: 3 },
      { server: 'sva-vault-2', rule: 't3', applied: 2, remaining: 1 },
    ]);
  });

  it('a trigger that never fired leaves no rule and no trouble entry: not hit, with the reason', async () => {
    const timeline = new MemoryTimeline();
    const fake = fakeTrouble();
    const armed = armFaults(timeline, [planned], (p) => applyFault(p.fault, p.targetSeed, ctx({ name: 'embedded', vaultTrouble: fake.capability })));
    armed.cancel();
    await armed.finishFaults();
    const [fault] = armed.results(timeline.events());
    expect(fault).to.include({ landed: false, missReason: 'trigger after:vault-sealed not reached before the iteration ended' });
    expect(fault!.trouble).to.equal(undefined);
    expect(fake.rules.size).to.equal(0);
  });
});
