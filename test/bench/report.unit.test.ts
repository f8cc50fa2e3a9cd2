import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { machineInfo } from '../../bench/machine.js';
import { completeFigures, emptyFigures, formatFigures, writeReport, type BenchReport } from '../../bench/report.js';
import { FIGURE_KEYS } from '../../bench/targets.js';

describe('bench/report: the JSON contract and the figures table', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-report-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const base = (): BenchReport => ({ ...emptyFigures(), machine: machineInfo(), generated_at: 'now', options: {}, errors: [] });

  it('writes every contract figure at the top level, with the machine, atomically', async () => {
    const report = base();
    FIGURE_KEYS.forEach((k, i) => (report[k] = i + 0.5));
    const file = await writeReport(report, path.join(dir, 'nested', 'latest.json'));
    const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    for (const k of FIGURE_KEYS) expect(json[k], k).to.be.a('number');
    expect(json['machine']).to.have.all.keys('cores', 'memory_gb', 'node', 'cpu', 'platform', 'load_avg_1m');
    expect((json['machine'] as { node: string }).node).to.equal(process.version);
    expect(await readdir(path.dirname(file))).to.deep.equal(['latest.json']); // no temp file left behind
    expect(completeFigures(report)).to.not.equal(undefined);
  });

  it('an unmeasured figure is null in the JSON, NOT MEASURED and ✗ in the table, and not complete', () => {
    const report = base();
    FIGURE_KEYS.forEach((k) => (report[k] = 1));
    report.injection_p95_ms = null;
    expect(completeFigures(report)).to.equal(undefined);
    const line = formatFigures(report)
      .split('\n')
      .find((l) => l.startsWith('injection_p95_ms'))!;
    expect(line).to.contain('NOT MEASURED').and.to.match(/✗$/);
    expect(JSON.parse(JSON.stringify(report))['injection_p95_ms']).to.equal(null);
  });

  it('machine info is this machine', () => {
    const m = machineInfo();
    expect(m.cores).to.be.at.least(1);
    expect(m.memory_gb).to.be.greaterThan(0);
    expect(m.node).to.match(/^v\d+\./);
  });
});
