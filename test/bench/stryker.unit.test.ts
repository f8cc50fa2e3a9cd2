import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MeasurementError } from '../../bench/errors.js';
import { emptyFigures, readBenchReport, type BenchReport } from '../../bench/report.js';
import { describeStryker, readStrykerReport, recordStryker, STRYKER_FIGURE, StrykerReportError, summarizeStrykerReport } from '../../bench/stryker.js';

type Status = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

function mutant(id: number, status: Status, line: number, extra: Record<string, unknown> = {}) {
  return { id: String(id), mutatorName: 'ConditionalExpression', replacement: 'true', status, location: { start: { line, column: 3 }, end: { line, column: 9 } }, ...extra };
}

/** Two files; 3 killed, 1 timeout, 2 survived, 1 no coverage, 1 ignored, 1 compile error. */
function fixture() {
  return {
    schemaVersion: '2',
    thresholds: { high: 80, low: 60 },
    files: {
      'manager/unseal.ts': {
        language: 'typescript',
        source: '',
        mutants: [mutant(1, 'Killed', 10), mutant(2, 'Survived', 40, { mutatorName: 'EqualityOperator', replacement: 'i <= THRESHOLD' }), mutant(3, 'Timeout', 12), mutant(4, 'Ignored', 50)],
      },
      'manager/rekey/steps.ts': {
        language: 'typescript',
        source: '',
        mutants: [mutant(5, 'Killed', 7), mutant(6, 'Killed', 8), mutant(7, 'NoCoverage', 99), mutant(8, 'Survived', 20), mutant(9, 'CompileError', 30)],
      },
    },
  };
}

describe('bench/stryker: the manager\'s Stryker score from the JSON report', () => {
  it('counts statuses into a score of detected / (detected + survived + no coverage), ignored and errors left out', () => {
    const s = summarizeStrykerReport(fixture(), 'fixture.json');
    expect({ killed: s.killed, survived: s.survived, timeout: s.timeout, no_coverage: s.no_coverage, errors: s.errors, ignored: s.ignored, total: s.total }).to.deep.equal({
      killed: 3,
      survived: 2,
      timeout: 1,
      no_coverage: 1,
      errors: 1,
      ignored: 1,
      total: 9,
    });
    expect(s.score_pct).to.equal(57.14); // 4 detected of 7 valid
  });

  it('lists the undetected mutants by file and line, with what the mutation was', () => {
    const s = summarizeStrykerReport(fixture(), 'fixture.json');
    expect(s.undetected.map((u) => `${u.file}:${u.line} ${u.status}`)).to.deep.equal(['manager/rekey/steps.ts:20 Survived', 'manager/rekey/steps.ts:99 NoCoverage', 'manager/unseal.ts:40 Survived']);
    expect(s.undetected[2]).to.include({ mutator: 'EqualityOperator', replacement: 'i <= THRESHOLD', column: 3 });
  });

  it('a report without files, with a mutant of an unknown status or without a location is a StrykerReportError naming where', () => {
    expect(() => summarizeStrykerReport({ schemaVersion: '2' }, 'r.json')).to.throw(StrykerReportError, /r\.json: no "files" object/);
    const badStatus = fixture();
    (badStatus.files['manager/unseal.ts'].mutants[1] as { status: string }).status = 'Maybe';
    expect(() => summarizeStrykerReport(badStatus, 'r.json')).to.throw(StrykerReportError, /files\["manager\/unseal\.ts"\]\.mutants\[1\]\.status "Maybe" is not a mutant status/);
    const noLocation = fixture();
    delete (noLocation.files['manager/rekey/steps.ts'].mutants[0] as { location?: unknown }).location;
    expect(() => summarizeStrykerReport(noLocation, 'r.json')).to.throw(StrykerReportError, /mutants\[0\]\.location has no start line/);
    const noMutants = { files: { 'manager/pass.ts': { language: 'typescript' } } };
    expect(() => summarizeStrykerReport(noMutants, 'r.json')).to.throw(StrykerReportError, /files\["manager\/pass\.ts"\] has no "mutants" array/);
  });

  it('an unfinished run (pending mutants) or one where nothing was tested has no score', () => {
    const pending = fixture();
    pending.files['manager/unseal.ts'].mutants.push(mutant(10, 'Pending', 60));
    expect(() => summarizeStrykerReport(pending, 'r.json')).to.throw(StrykerReportError, /1 mutant\(s\) still pending/);
    const allIgnored = { files: { 'manager/unseal.ts': { mutants: [mutant(1, 'Ignored', 1), mutant(2, 'CompileError', 2)] } } };
    expect(() => summarizeStrykerReport(allIgnored, 'r.json')).to.throw(StrykerReportError, /no mutant was tested/);
  });

  describe('from a file', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-stryker-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads a report file into the same summary', async () => {
      const file = path.join(dir, 'mutation.json');
      await writeFile(file, JSON.stringify(fixture()));
      const s = await readStrykerReport(file);
      expect(s.score_pct).to.equal(57.14);
      expect(s.report).to.equal(file);
    });

    it('a missing file or one that is not JSON is a StrykerReportError for the stryker_score_manager figure (exit 3)', async () => {
      const missing = path.join(dir, 'absent.json');
      const err1 = await readStrykerReport(missing).then(() => undefined, (e: unknown) => e);
      expect(err1).to.be.instanceOf(StrykerReportError).and.instanceOf(MeasurementError);
      expect((err1 as StrykerReportError).message).to.match(/absent\.json: cannot be read \(ENOENT\); run `npm run mutation:manager` first/);
      expect((err1 as StrykerReportError).figure).to.equal('stryker_score_manager');
      expect((err1 as StrykerReportError).exitCode).to.equal(3);
      const truncated = path.join(dir, 'truncated.json');
      await writeFile(truncated, JSON.stringify(fixture()).slice(0, 40));
      const err2 = await readStrykerReport(truncated).then(() => undefined, (e: unknown) => e);
      expect(err2).to.be.instanceOf(StrykerReportError);
      expect((err2 as Error).message).to.match(/truncated\.json: is not JSON/);
    });

    it('merging: the last bench report is read back, none yet is undefined, a file that is not a bench report is refused', async () => {
      const file = path.join(dir, 'latest.json');
      expect(await readBenchReport(file, STRYKER_FIGURE)).to.equal(undefined);
      const last = { ...emptyFigures(), mutation_score: 0.5, errors: [] } as unknown as BenchReport;
      await writeFile(file, JSON.stringify(last));
      const back = await readBenchReport(file, STRYKER_FIGURE);
      recordStryker(back!, summarizeStrykerReport(fixture(), 'out/stryker/mutation.json'));
      expect(back!.mutation_score).to.equal(0.5); // the figures of the last bench stay
      expect(back!.stryker_score_manager).to.equal(57.14);
      expect(back!.stryker).to.include({ killed: 3, survived: 2, timeout: 1, no_coverage: 1 });
      expect(describeStryker(back!.stryker!)).to.match(/score 57\.14% \(3 killed, 1 timeout, 2 survived, 1 no coverage; 1 ignored, 1 errors\) — out\/stryker\/mutation\.html$/);
      await writeFile(file, '[1, 2]');
      const err = await readBenchReport(file, STRYKER_FIGURE).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(MeasurementError);
      expect((err as Error).message).to.match(/latest\.json is not a bench report; not merging into it/);
    });
  });
});
