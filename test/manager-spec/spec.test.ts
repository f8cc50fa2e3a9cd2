import { expect } from 'chai';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../common/errors.js';
import { loadManagerSpec, parseManagerSpec, typeSetValue } from '../../harness/manager-spec/spec.js';
import { caught, DEMO_CHART, TempDir } from './helpers.js';

describe('manager-spec: the --manager grammar', () => {
  it('reads reference, chart with values and set pairs, and script', () => {
    expect(parseManagerSpec('reference')).to.deep.equal({ kind: 'reference', text: 'reference' });
    expect(parseManagerSpec('script:out/init.sh')).to.deep.equal({ kind: 'script', text: 'script:out/init.sh', file: 'out/init.sh' });
    const spec = parseManagerSpec('chart:charts/vm,values=my.yaml,set=manager.statusCheckRate=3,set=a.b=x=y');
    expect(spec).to.deep.equal({
      kind: 'chart',
      text: 'chart:charts/vm,values=my.yaml,set=manager.statusCheckRate=3,set=a.b=x=y',
      dir: 'charts/vm',
      valuesFile: 'my.yaml',
      sets: [
        { path: ['manager', 'statusCheckRate'], value: 3, raw: 'manager.statusCheckRate=3' },
        { path: ['a', 'b'], value: 'x=y', raw: 'a.b=x=y' },
      ],
    });
  });

  it('types set= values as Helm does', () => {
    const cases: [string, unknown][] = [
      ['true', true], ['FALSE', false], ['Null', null], ['0', 0], ['42', 42], ['-7', -7], ['+5', 5],
      ['007', '007'], ['1.5', '1.5'], ['1e3', '1e3'], ['', ''], ['yes', 'yes'], ['99999999999999999999', '99999999999999999999'],
    ];
    for (const [raw, want] of cases) expect(typeSetValue(raw), raw).to.equal(want);
  });

  const grammarErrors: [string, string][] = [
    ['helm:x', '--manager must be reference, chart:<dir>[,values=<file>][,set=<key>=<value>]... or script:<file>; got "helm:x"'],
    ['', '--manager must be reference, chart:<dir>[,values=<file>][,set=<key>=<value>]... or script:<file>; got ""'],
    ['chart:', '--manager chart:: chart: needs a chart directory (chart:<dir>)'],
    ['chart:,values=v.yaml', '--manager chart:,values=v.yaml: chart: needs a chart directory (chart:<dir>)'],
    ['script:', '--manager script:: script: needs a file (script:<file>)'],
    ['chart:d,values=a.yaml,values=b.yaml', '--manager chart:d,values=a.yaml,values=b.yaml: values= given twice (one values file; use set= for more)'],
    ['chart:d,values=', '--manager chart:d,values=: values= needs a file'],
    ['chart:d,image=x', '--manager chart:d,image=x: unknown option "image=x" (expected values=<file> or set=<key>=<value>)'],
    ['chart:d,set=novalue', '--manager chart:d,set=novalue: set=novalue is not set=<key>=<value>'],
    ['chart:d,set==1', '--manager chart:d,set==1: set==1 has an empty key'],
    ['chart:d,set=a..b=1', '--manager chart:d,set=a..b=1: set=a..b=1: the key "a..b" has an empty segment'],
    ['chart:d,set=list[0]=1', '--manager chart:d,set=list[0]=1: set=list[0]=1: list indexes are not supported (dotted keys only)'],
    ['chart:d,set=a\\.b=1', '--manager chart:d,set=a\\.b=1: set=a\\.b=1: escaped dots are not supported (dotted keys only)'],
  ];
  for (const [text, message] of grammarErrors) {
    it(`rejects ${JSON.stringify(text)} in one line (exit 2)`, async () => {
      const err = await caught(() => parseManagerSpec(text));
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.equal(message);
      expect(err.exitCode).to.equal(2);
    });
  }
});

describe('manager-spec: the files a spec names', () => {
  const tmp = new TempDir();
  after(() => tmp.remove());

  it('makes paths absolute from cwd and reads the values file', () => {
    const values = tmp.file('v.yaml', 'manager:\n  statusCheckRate: 9\n');
    const spec = loadManagerSpec(`chart:${path.relative(tmp.dir, DEMO_CHART)},values=v.yaml`, { cwd: tmp.dir });
    expect(spec).to.include({ kind: 'chart', dir: DEMO_CHART, valuesFile: values });
    expect(spec.kind === 'chart' && spec.userValues).to.deep.equal({ manager: { statusCheckRate: 9 } });
    expect(loadManagerSpec('reference')).to.deep.equal({ kind: 'reference', text: 'reference' });
    const script = tmp.file('init.sh', 'echo hi\n');
    expect(loadManagerSpec('script:init.sh', { cwd: tmp.dir })).to.deep.equal({ kind: 'script', text: 'script:init.sh', file: script });
  });

  it('an empty values file is an empty mapping', () => {
    tmp.file('empty.yaml', '# nothing\n');
    const spec = loadManagerSpec(`chart:${DEMO_CHART},values=empty.yaml`, { cwd: tmp.dir });
    expect(spec.kind === 'chart' && spec.userValues).to.deep.equal({});
  });

  it('says in one line what is wrong with each file', async () => {
    const notChart = tmp.file('plain/README', 'not a chart\n');
    const plainDir = path.dirname(notChart);
    tmp.file('list.yaml', '# a comment\n- a\n- b\n');
    tmp.file('scalar.yaml', 'just text\n');
    tmp.file('broken.yaml', 'a: 1\nb: [1, 2\nc: 3\n');
    const cases: [string, string][] = [
      [`chart:${tmp.dir}/nope`, `--manager chart:${tmp.dir}/nope: chart directory ${tmp.dir}/nope does not exist`],
      [`chart:${notChart}`, `--manager chart:${notChart}: chart directory ${notChart} is not a directory`],
      [`chart:${plainDir}`, `--manager chart:${plainDir}: ${plainDir} has no readable Chart.yaml (not a Helm chart)`],
      [`chart:${DEMO_CHART},values=missing.yaml`, `--manager chart:${DEMO_CHART},values=missing.yaml: values file ${tmp.dir}/missing.yaml does not exist`],
      [`chart:${DEMO_CHART},values=plain`, `--manager chart:${DEMO_CHART},values=plain: values file ${plainDir} is a directory, not a file`],
      [`chart:${DEMO_CHART},values=list.yaml`, `--manager chart:${DEMO_CHART},values=list.yaml: ${tmp.dir}/list.yaml:2: a values file must be a YAML mapping, found a list`],
      [`chart:${DEMO_CHART},values=scalar.yaml`, `--manager chart:${DEMO_CHART},values=scalar.yaml: ${tmp.dir}/scalar.yaml:1: a values file must be a YAML mapping, found a string`],
      [`script:${tmp.dir}/none.sh`, `--manager script:${tmp.dir}/none.sh: script ${tmp.dir}/none.sh does not exist`],
      [`script:${plainDir}`, `--manager script:${plainDir}: script ${plainDir} is a directory, not a file`],
    ];
    for (const [text, message] of cases) {
      const err = await caught(() => loadManagerSpec(text, { cwd: tmp.dir }));
      expect(err, text).to.be.instanceOf(UsageError);
      expect(err.message, text).to.equal(message);
    }
    const broken = await caught(() => loadManagerSpec(`chart:${DEMO_CHART},values=broken.yaml`, { cwd: tmp.dir }));
    expect(broken.message).to.equal(`--manager chart:${DEMO_CHART},values=broken.yaml: ${tmp.dir}/broken.yaml:3: Flow sequence in block collection must be sufficiently indented and end with a ]`);
  });

  it('an unreadable values file or chart directory is refused', async function () {
    // root reads every file whatever its mode, so the check cannot fail there
    if (process.getuid?.() === 0) this.skip();
    const secret = tmp.file('locked.yaml', 'a: 1\n');
    chmodSync(secret, 0o000);
    const err = await caught(() => loadManagerSpec(`chart:${DEMO_CHART},values=${secret}`));
    expect(err.message).to.equal(`--manager chart:${DEMO_CHART},values=${secret}: values file ${secret} is not readable`);
  });
});
