import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { RunRecord } from '../../common/record.js';
import { renderJunit } from '../../reports/summary/junit.js';
import { createSummarySink } from '../../reports/summary/sink.js';
import { summarize } from '../../reports/summary/summarize.js';
import { formatSummary } from '../../reports/summary/terminal.js';
import { FIXTURE_KINDS, makeRecord, makeWorld } from './fixtures.js';
import { tempDir } from './helpers.js';

describe('reports: summaries and JUnit', () => {
  let tmp: ReturnType<typeof tempDir>;
  let records: RunRecord[];

  before(async () => {
    const world = await makeWorld();
    tmp = tempDir('summary');
    records = FIXTURE_KINDS.map((k) => makeRecord(world, k, tmp.path).record);
  });
  after(() => tmp.remove());

  it('counts per outcome, family and invariant; lists failures with replay commands; sets the exit code', () => {
    const s = summarize(records);
    expect(s.totals).to.deep.equal({ total: 4, passed: 1, failed: 1, timeout: 1, 'environment-error': 0, 'not-hit': 1 });
    expect(s.byFamily.F3).to.include({ total: 1, failed: 1 });
    expect(s.byFamily.F5).to.include({ total: 1, 'not-hit': 1 });
    expect(s.byInvariant.I1).to.deep.equal({ passed: 1, failed: 1, skipped: 2 });
    expect(s.byInvariant.I2).to.deep.equal({ passed: 2, failed: 0, skipped: 2 });
    expect(s.failures.map((f) => [f.scenarioId, f.outcome, f.invariants])).to.deep.equal([
      ['F3-kill-active', 'failed', ['I1']],
      ['F2-kill-active', 'timeout', []],
    ]);
    expect(s.failures[0]!.replay).to.equal(records[1]!.replay);
    expect(s.exitCode).to.equal(1);
    expect(summarize(records.filter((r) => r.outcome === 'passed' || r.outcome === 'not-hit')).exitCode).to.equal(0);
    expect(summarize([{ ...records[0]!, outcome: 'environment-error' }]).exitCode).to.equal(3);
  });

  it('orders the slowest iterations, measuring request → complete when the rekey completed', () => {
    const slow = { ...records[0]!, runId: 'slow', completedAt: records[0]!.requestedAt! + 5000 };
    const s = summarize([...records, slow], 3);
    expect(s.slowest.map((x) => x.runId)).to.deep.equal([records[3]!.runId, 'slow', records[0]!.runId]);
    expect(s.slowest[0]).to.include({ measured: 'whole-iteration', durationMs: records[3]!.endedAt - records[3]!.startedAt });
    expect(s.slowest[1]).to.include({ measured: 'request-to-complete', durationMs: 5000 });
  });

  it('prints a terminal summary with the family table, invariant table and replay lines', () => {
    const text = formatSummary(summarize(records));
    expect(text).to.match(/^rekey-chaos summary: 4 iterations — 1 passed, 1 failed, 1 timed out, 0 environment errors, 1 not hit$/m);
    expect(text).to.match(/^F3\s+1\s+0\s+1\s+0\s+0\s+0\s*$/m);
    expect(text).to.match(/^I1\s+1\s+1\s+2\s*$/m);
    expect(text).to.contain(`    ${records[1]!.replay}`);
    const envError = { ...records[3]!, outcome: 'environment-error' as const, error: 'cluster could not be brought up:\n  listen EADDRINUSE' };
    expect(formatSummary(summarize([envError]))).to.contain('environment-error: cluster could not be brought up: | listen EADDRINUSE\n');
  });

  it('renders well-formed JUnit: a suite per family, failure / error / skipped per outcome, replay in system-out', () => {
    const xml = renderJunit(records);
    expect(XMLValidator.validate(xml)).to.equal(true);
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(xml);
    const root = doc.testsuites;
    expect(root).to.include({ '@_tests': '4', '@_failures': '1', '@_errors': '1', '@_skipped': '1' });
    const suites = root.testsuite as Record<string, any>[];
    expect(suites.map((s) => s['@_name']).sort()).to.deep.equal(['F1', 'F2', 'F3', 'F5']);
    const caseOf = (family: string) => suites.find((s) => s['@_name'] === family)!.testcase[0];
    expect(caseOf('F3').failure['@_message']).to.match(/^I1: no complete set/);
    expect(caseOf('F3').failure['#text']).to.contain('"keyInEffect"');
    expect(caseOf('F2').error['@_type']).to.equal('timeout');
    expect(caseOf('F5').skipped['@_message']).to.match(/^fault did not land/);
    expect(caseOf('F1').failure).to.equal(undefined);
    expect(caseOf('F1')['system-out']).to.contain(records[0]!.replay);
  });

  it('escapes hostile text in JUnit', () => {
    const nasty = { ...records[1]!, invariants: [{ ...records[1]!.invariants[0]!, message: 'a <b> & "c" \u0001 ]]>' }] };
    const xml = renderJunit([nasty]);
    expect(XMLValidator.validate(xml)).to.equal(true);
    expect(xml).to.contain('a &lt;b&gt; &amp; &quot;c&quot;  ]]&gt;');
  });

  it('the summary sink writes summary.json and junit.xml and prints the summary when the run ends', () => {
    const out = join(tmp.path, 'out');
    let printed = '';
    const sink = createSummarySink({ outDir: out, print: (t) => (printed += t) });
    for (const r of records) sink.iterationFinished(r);
    sink.runFinished();
    const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(json.totals.total).to.equal(4);
    expect(json.failures).to.have.length(2);
    expect(XMLValidator.validate(readFileSync(join(out, 'junit.xml'), 'utf8'))).to.equal(true);
    expect(printed).to.contain('failures (replay with):');
    expect(printed).to.contain(join(out, 'junit.xml'));
  });
});
