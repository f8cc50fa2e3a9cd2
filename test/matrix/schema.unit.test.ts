import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ScenarioError } from '../../common/errors.js';
import { loadCatalog, REPO_ROOT } from '../../matrix/catalog.js';
import { milestoneMatrix } from '../../matrix/milestone-matrix.js';
import { parseScenarioText } from '../../matrix/schema.js';
import { scenarioToYaml } from '../../matrix/serialize.js';
import { expectedMessage, MALFORMED_CASES, MALFORMED_DIR } from './malformed-cases.js';

describe('matrix: scenario schema', () => {
  const cwd = process.cwd();
  before(() => process.chdir(REPO_ROOT));
  after(() => process.chdir(cwd));

  it('loads every family file with the original iteration ids, sweep, targets and settle times', () => {
    const catalog = loadCatalog();
    const bases: Record<string, number> = { F1: 2000, F2: 2060, F3: 2120, F4: 2180, F5: 2240, F6: 2300, F7: 2360, F8: 2420, F9: 2480, F10: 2480 };
    for (const [id, base] of Object.entries(bases)) {
      const s = catalog.get(id)!;
      expect(s, id).to.not.equal(undefined);
      expect(s.source).to.equal(`scenarios/families/${id}.yaml`);
      expect(s.iterations, id).to.equal(60);
      expect(s.iterationBase, id).to.equal(base);
      if (id !== 'F1') expect(s.faults.map((f) => f.trigger), id).to.deep.equal([{ sweep: true }]);
      expect(s.settleS, id).to.equal(id === 'F8' || id === 'F10' ? 75 : 30);
    }
    expect(catalog.get('F1')!.faults).to.deep.equal([]);
    expect(catalog.get('F1')!.invariants).to.include('I6');
    expect(catalog.get('F3')!.invariants).to.not.include('I6');
    expect(catalog.get('F5')!.faults[0]!.fault).to.deep.equal({ kind: 'delete-pod', targets: ['manager', 'random-server'] });
    expect(catalog.get('F8')!.faults[0]!.fault.randomSubset).to.equal(true);
    expect(catalog.get('F8')!.afterCompletion).to.deep.equal([{ kind: 'delete-pod', targets: ['manager', 'all-servers'] }]);
    expect(catalog.get('F9')!.afterCompletion).to.deep.equal([{ kind: 'delete-pod', targets: ['manager'] }]);
    expect(catalog.get('F10')!.faults[0]!.fault).to.deep.equal({ kind: 'kill-process', targets: ['manager', 'active'] });
  });

  it('every generated milestone scenario survives a round trip through the file format and the schema', () => {
    const generated = milestoneMatrix();
    expect(generated.length).to.be.greaterThan(1000);
    for (const s of generated) {
      const reparsed = parseScenarioText(s.source, scenarioToYaml(s));
      expect(reparsed, s.id).to.deep.equal(s);
    }
  });

  it('has a fixture for each of the twenty-odd malformed cases and no stray fixture', () => {
    const files = readdirSync(path.join(REPO_ROOT, MALFORMED_DIR)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).to.deep.equal(MALFORMED_CASES.map((c) => c[0]).sort());
    expect(files.length).to.be.at.least(20);
  });

  for (const c of MALFORMED_CASES) {
    it(`rejects ${c[0]} with "${c[2]}" on line ${c[1]}`, () => {
      const catalog = loadCatalog();
      let caught: unknown;
      try {
        catalog.resolve(`${MALFORMED_DIR}/${c[0]}`);
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(ScenarioError);
      const err = caught as ScenarioError;
      expect(err.message).to.equal(expectedMessage(c));
      expect(err.message).to.not.include('\n');
      expect([err.line, err.field, err.exitCode]).to.deep.equal([c[1], c[2], 2]);
    });
  }

  it('parses optional fields and defaults', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'scenarios/families/F4.yaml'), 'utf8');
    const s = parseScenarioText('F4.yaml', text.replace('timeout: 600', 'timeout: 120\ncluster: {nodes: [a, b, c]}\nmanager: {statusRateMs: 100}'));
    expect(s.timeoutS).to.equal(120);
    expect(s.cluster).to.deep.equal({ nodes: ['a', 'b', 'c'] });
    expect(s.manager).to.deep.equal({ statusRateMs: 100 });
    const minimal = parseScenarioText('m.yaml', 'id: m\nfamily: regression\nfaults:\n  - trigger: {after: vault-rotated, offset: 0.5}\n    kind: node-loss\n    targets: [node:worker-0]\n    down: 20\n');
    expect(minimal.faults[0]).to.deep.equal({ trigger: { after: 'vault-rotated', offsetS: 0.5 }, fault: { kind: 'node-loss', targets: ['node:worker-0'], downS: 20 } });
    expect([minimal.iterations, minimal.settleS, minimal.invariants.length]).to.deep.equal([1, 30, 10]);
  });

  it('checks node targets against the scenario\'s own node list', () => {
    const text = 'id: n\nfamily: regression\ncluster: {nodes: [alpha]}\nfaults:\n  - trigger: {at: 1}\n    kind: node-loss\n    targets: [node:worker-0]\n';
    expect(() => parseScenarioText('n.yaml', text)).to.throw(ScenarioError, 'n.yaml:7: faults[0].targets[0]: unknown target "node:worker-0": no node "worker-0" (nodes: alpha)');
  });
});
