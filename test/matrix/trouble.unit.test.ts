/**
 * `vault-trouble` faults in the scenario format: the files under
 * scenarios/trouble/ load into the in-memory form, survive the file format
 * round trip, plan byte for byte the same from a fresh load, and replay from
 * their token to the same plan. The refusals are in malformed-cases.ts.
 */
import { expect } from 'chai';
import { loadCatalog, REPO_ROOT } from '../../matrix/catalog.js';
import { UNSEAL_EVENTS } from '../../common/milestones.js';
import { milestoneMatrix, unsealMatrix } from '../../matrix/milestone-matrix.js';
import { makePlan, stableJson } from '../../matrix/plan.js';
import { decodeReplayToken, encodeReplayToken } from '../../matrix/replay.js';
import { parseScenarioText } from '../../matrix/schema.js';
import { scenarioToYaml } from '../../matrix/serialize.js';

describe('matrix: vault-trouble scenarios', () => {
  const cwd = process.cwd();
  before(() => process.chdir(REPO_ROOT));
  after(() => process.chdir(cwd));

  it('loads T1: a standby kill at the rotation, then three 500s on sys/unseal once a server is back sealed', () => {
    const t1 = loadCatalog().get('T1-unseal-errors')!;
    expect(t1.family).to.equal('trouble');
    expect(t1.source).to.equal('scenarios/trouble/T1-unseal-errors.yaml');
    expect(t1.faults).to.deep.equal([
      { trigger: { after: 'vault-rotated' }, fault: { kind: 'kill-process', targets: ['standby'] } },
      { trigger: { after: 'vault-sealed' }, fault: { kind: 'vault-trouble', targets: ['all-servers'], trouble: { path: 'sys/unseal', mode: 'error', count: 3 } } },
    ]);
  });

  it('reads methods upper-cased, POST as PUT, duplicates dropped, and delayMs for delay', () => {
    const s = parseScenarioText(
      'd.yaml',
      'id: d\nfamily: trouble\nfaults:\n  - trigger: {after: vault-unseal-progress-1, occurrence: 2}\n    kind: vault-trouble\n    targets: [server:1]\n    path: sys/rekey/*\n    mode: delay\n    count: 2\n    delayMs: 1500\n    methods: [post, PUT, delete]\n',
    );
    expect(s.faults[0]).to.deep.equal({
      trigger: { after: 'vault-unseal-progress-1', occurrence: 2 },
      fault: { kind: 'vault-trouble', targets: ['server:1'], trouble: { path: 'sys/rekey/*', mode: 'delay', count: 2, delayMs: 1500, methods: ['PUT', 'DELETE'] } },
    });
  });

  it('every trouble scenario survives the file format round trip and plans the same bytes from a fresh load', () => {
    const first = loadCatalog().all().filter((s) => s.family === 'trouble');
    expect(first.map((s) => s.id)).to.include.members(['T1-unseal-errors', 'T2-rekey-trouble']);
    const again = loadCatalog();
    for (const s of first) {
      expect(parseScenarioText(s.source, scenarioToYaml(s)), s.id).to.deep.equal(s);
      const plan = makePlan(s, 0, { timescale: 0.02 });
      expect(JSON.stringify(makePlan(again.get(s.id)!, 0, { timescale: 0.02 })), s.id).to.equal(JSON.stringify(plan));
      const trouble = plan.faults.map((f) => f.fault.trouble).filter((t) => t !== undefined);
      expect(trouble.length, `${s.id} plans its trouble`).to.be.greaterThan(0);
    }
  });

  it('a replay token of a trouble scenario gives back the same plan', () => {
    const catalog = loadCatalog();
    const token = encodeReplayToken({ scenario: 'T2-rekey-trouble', iteration: 0, seed: 7310, timescale: 0.02, backend: 'embedded', manager: 'reference', defect: 'unseal-gives-up-after-one-failure' });
    const spec = decodeReplayToken(token);
    const replayed = makePlan(catalog.get(spec.scenario)!, spec.iteration, { timescale: spec.timescale, seed: spec.seed });
    expect(stableJson(replayed)).to.equal(stableJson(makePlan(catalog.get('T2-rekey-trouble')!, 0, { timescale: 0.02 })));
    expect(replayed.faults[1]!.fault.trouble).to.deep.equal({ path: 'sys/rekey/verify', mode: 'reset', count: 2, methods: ['PUT'] });
  });

  it('the unseal matrix aims a second fault at a standby restarted at the rotation, when it is back sealed and once unsealed, apart from the milestone matrix', () => {
    const all = unsealMatrix();
    expect(all.map((s) => s.id)).to.deep.equal([
      'U-vault-sealed-kill-manager',
      'U-vault-sealed-delete-manager',
      'U-vault-sealed-unseal-errors',
      'U-vault-sealed-unseal-resets',
      'U-vault-sealed-unseal-delays',
      'U-vault-unsealed-kill-manager',
      'U-vault-unsealed-delete-manager',
    ]);
    for (const s of all) expect(UNSEAL_EVENTS as readonly string[]).to.include((s.faults[1]!.trigger as { after: string }).after);
    expect(new Set(all.map((s) => s.iterationBase)).size).to.equal(all.length);
    const u = all.find((s) => s.id === 'U-vault-sealed-unseal-errors')!;
    expect(u.faults.map((f) => f.fault.kind)).to.deep.equal(['kill-process', 'vault-trouble']);
    expect(u.faults[0]!.trigger).to.deep.include({ after: 'vault-rotated' });
    const catalog = loadCatalog();
    for (const s of all) {
      expect(catalog.get(s.id), s.id).to.deep.equal(s);
      expect(parseScenarioText(s.source, scenarioToYaml(s)), s.id).to.deep.equal(s);
    }
    const bases = new Set(milestoneMatrix().map((s) => s.iterationBase));
    expect(all.some((s) => bases.has(s.iterationBase)), 'no request id shared with the milestone matrix').to.equal(false);
    expect(all.every((s) => s.family === 'unseal')).to.equal(true);
  });
});
