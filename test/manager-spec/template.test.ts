import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TemplateRenderError, UnsupportedTemplateError } from '../../harness/manager-spec/errors.js';
import { readChartValues, renderBuiltin } from '../../harness/manager-spec/render.js';
import { renderTemplate, type TopLevel } from '../../harness/manager-spec/template/exec.js';
import { goFloat, goQuote, toYaml } from '../../harness/manager-spec/template/go-values.js';
import { mergeAllValues } from '../../harness/manager-spec/values.js';
import { caught, DEMO_CHART, FIXTURES, HARNESS, TempDir } from './helpers.js';

const top = (values: Record<string, unknown> = {}): TopLevel => ({
  Values: values,
  Release: { Name: 'rel', Namespace: 'ns', Service: 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1 },
  Chart: { Name: 'demo', Version: '1.2.3', AppVersion: '9' },
});
const render = (src: string, values: Record<string, unknown> = {}) => renderTemplate(src, 't.yaml', top(values));

describe('manager-spec: the Go-template subset', () => {
  it('trims whitespace around {{- and -}} exactly to the next non-space', () => {
    expect(render('a  \n\t {{- "x" -}} \n  b')).to.equal('axb');
    expect(render('a \n{{- "x" }} \nb')).to.equal('ax \nb');
    expect(render('a \n{{ "x" -}}\n  b')).to.equal('a \nxb');
    // `{{-3}}` is the number -3, not a trim marker
    expect(render('a {{-3}} b')).to.equal('a -3 b');
    expect(render('a\n{{- /* gone */ -}}\nb{{/* also gone */}}c')).to.equal('abc');
  });

  it('reads .Values, .Release and .Chart; a missing value prints empty', () => {
    expect(render('{{ .Values.a.b }}|{{ .Values.a.none }}|{{ .Release.Name }}.{{ .Release.Namespace }}.{{ .Release.Service }}|{{ .Chart.Name }}-{{ .Chart.Version }}', { a: { b: 'x' } })).to.equal('x||rel.ns.Helm|demo-1.2.3');
  });

  it('prints values as Helm prints them (numbers as float64)', () => {
    expect(render('{{ .Values.n }} {{ .Values.big }} {{ .Values.f }} {{ .Values.t }} {{ 7 }} {{ .Values.l }} {{ .Values.m }}', { n: 5, big: 1000000, f: 0.5, t: true, l: ['a', 1], m: { b: 2, a: 'x' } })).to.equal('5 1e+06 0.5 true 7 [a 1] map[a:x b:2]');
    expect([1234567, 123456, 0.0001, 0.00001, -2.5e-7, 1e21].map(goFloat)).to.deep.equal(['1.234567e+06', '123456', '0.0001', '1e-05', '-2.5e-07', '1e+21']);
  });

  it('if/else/end with Go truthiness', () => {
    const t = '{{ if .Values.x }}yes{{ else }}no{{ end }}';
    for (const falsy of [undefined, null, false, 0, '', [], {}]) expect(render(t, { x: falsy }), String(falsy)).to.equal('no');
    for (const truthy of [true, 1, 'a', ' ', [0], { a: 1 }]) expect(render(t, { x: truthy }), String(truthy)).to.equal('yes');
    expect(render('{{ if .Values.a }}A{{ if .Values.b }}B{{ end }}{{ end }}', { a: 1, b: 0 })).to.equal('A');
  });

  it('pipelines: quote, default, toYaml, indent, nindent', () => {
    expect(render('{{ .Values.s | quote }} {{ quote .Values.none }} {{ quote "a\\"b\\n" 3 }}', { s: 'hi' })).to.equal('"hi"  "a\\"b\\n" "3"');
    expect(render('{{ .Values.e | default "d" }} {{ default "d" .Values.s }} {{ .Values.none | default 4 }}', { e: '', s: 'set' })).to.equal('d set 4');
    expect(render('x:{{ toYaml .Values.m | nindent 2 }}', { m: { b: [1, 'two'], a: 'x' } })).to.equal('x:\n  a: x\n  b:\n  - 1\n  - two');
    expect(render('{{ "l1\\nl2" | indent 3 }}')).to.equal('   l1\n   l2');
    expect(render('{{ `raw\\n` | quote }}')).to.equal('"raw\\\\n"');
    expect(toYaml(undefined)).to.equal('null');
    expect(goQuote('tab\there\x1b\u00e9')).to.equal('"tab\\there\\x1bé"');
  });

  it('tpl renders a value as a template with the same top level', () => {
    expect(render('{{ tpl .Values.t . }}', { t: 'name={{ .Release.Name }}-{{ .Values.x }}', x: 'y' })).to.equal('name=rel-y');
  });

  const unsupported: [string, string][] = [
    ['{{ range .Values.l }}x{{ end }}', 'range'],
    ['{{ with .Values.a }}x{{ end }}', 'with'],
    ['{{ define "x" }}y{{ end }}', 'define'],
    ['{{ template "x" . }}', 'template'],
    ['{{ include "x" . }}', 'function include'],
    ['{{ printf "%s" .Values.a }}', 'function printf'],
    ['{{ if and .Values.a .Values.b }}x{{ end }}', 'function and'],
    ['{{ $x := 1 }}', 'variable $x'],
    ['{{ (.Values.a) }}', 'parenthesized pipeline'],
    ['{{ if .Values.a }}x{{ else if .Values.b }}y{{ end }}', 'else if'],
    ['{{ .Capabilities.KubeVersion }}', 'field .Capabilities'],
    ['{{ .Files.Get "x" }}', 'field .Files'],
    ['{{ .Chart.Keywords }}', 'field .Chart.Keywords'],
    ["{{ 'a' }}", 'character constant'],
    ['{{ tpl .Values.t .Values }}', 'tpl with a context other than .'],
  ];
  for (const [src, construct] of unsupported) {
    it(`refuses ${construct} with file:line (exit 2)`, async () => {
      const err = await caught(() => renderTemplate(`line one\n\n${src}\n`, 'templates/x.yaml', top({ a: 1, b: 1, t: 's', l: [1] })));
      expect(err).to.be.instanceOf(UnsupportedTemplateError);
      expect(err.message).to.equal(`templates/x.yaml:3: unsupported template construct ${construct}`);
      expect(err.exitCode).to.equal(2);
    });
  }

  it('refuses an unsupported construct even in a branch the values do not take', async () => {
    const err = await caught(() => render('{{ if false }}\n{{ include "x" . }}{{ end }}'));
    expect(err.message).to.equal('t.yaml:2: unsupported template construct function include');
  });

  const failures: [string, Record<string, unknown>, string][] = [
    ['{{ .Values.none.deeper }}', {}, 't.yaml:1: nil pointer evaluating interface {}.deeper (in .Values.none.deeper)'],
    ['{{ .Values.s.x }}', { s: 'text' }, "t.yaml:1: can't evaluate field x in type string (in .Values.s.x)"],
    ['{{ .Values.n | indent 2 }}', { n: 3 }, 't.yaml:1: indent: wrong type for value; expected string; got float64'],
    ['{{ "x" | nindent .Values.n }}', { n: 3 }, 't.yaml:1: nindent: wrong type for value; expected int; got float64'],
    ['{{ toYaml }}', {}, 't.yaml:1: wrong number of args for toYaml: want 1 got 0'],
    ['{{ .Values.s "arg" }}', { s: 'x' }, "t.yaml:1: can't give argument to non-function .Values.s"],
    ['{{ if .Values.s }}x', {}, 't.yaml:1: unexpected EOF: {{if}} without {{end}}'],
    ['x{{ end }}', {}, 't.yaml:1: unexpected {{end}}'],
    ['{{ .Values.s ', {}, 't.yaml:1: unclosed action'],
    ['{{ "two\nlines" }}', {}, 't.yaml:1: unterminated quoted string'],
    ['\n{{ tpl .Values.t . }}', { t: '{{ .Values.none.x }}' }, 't.yaml:2 (tpl):1: nil pointer evaluating interface {}.x (in .Values.none.x)'],
  ];
  for (const [src, values, message] of failures) {
    it(`fails ${JSON.stringify(src)} as Helm does, in one line`, async () => {
      const err = await caught(() => render(src, values));
      expect(err).to.be.instanceOf(TemplateRenderError);
      expect(err.message).to.equal(message);
    });
  }
});

describe('manager-spec: the built-in renderer on a fixture chart', () => {
  const tmp = new TempDir();
  after(() => tmp.remove());

  it('renders the demo chart exactly as the golden file (REKEY_CHAOS_UPDATE_GOLDEN=1 rewrites it)', () => {
    const merged = mergeAllValues({ chart: readChartValues(DEMO_CHART), userFile: {}, sets: [], harness: HARNESS });
    const stream = renderBuiltin({ chartDir: DEMO_CHART, releaseName: HARNESS.releaseName, namespace: HARNESS.namespace, values: merged.values });
    const golden = path.join(FIXTURES, 'golden', 'demo.rendered.yaml');
    if (process.env['REKEY_CHAOS_UPDATE_GOLDEN'] === '1') writeFileSync(golden, stream);
    expect(stream).to.equal(readFileSync(golden, 'utf8'));
  });

  it('skips partials and NOTES.txt as manifests, but checks the partials', async () => {
    const ok = tmp.chart('partials', { '_helpers.tpl': '{{/* only a comment */}}\n', 'NOTES.txt': '{{ include "x" . }}\n', 'cm.yaml': 'kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: c\n' });
    expect(renderBuiltin({ chartDir: ok, releaseName: 'r', namespace: 'n', values: {} })).to.equal('---\n# Source: partials/templates/cm.yaml\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  name: c\n\n');
    const bad = tmp.chart('helpers', { '_helpers.tpl': '{{- define "name" -}}x{{- end }}\n' });
    const err = await caught(() => renderBuiltin({ chartDir: bad, releaseName: 'r', namespace: 'n', values: {} }));
    expect(err.message).to.equal(`${bad}/templates/_helpers.tpl:1: unsupported template construct define`);
  });

  it('refuses subcharts rather than render half a chart', async () => {
    const dir = tmp.chart('parent', {});
    tmp.file('parent/charts/child/Chart.yaml', 'name: child\nversion: 1.0.0\n');
    const err = await caught(() => renderBuiltin({ chartDir: dir, releaseName: 'r', namespace: 'n', values: {} }));
    expect(err.message).to.equal(`chart ${dir} has subcharts (charts/); the built-in renderer renders a single chart (install helm)`);
  });
});
