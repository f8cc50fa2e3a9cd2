/**
 * Renders a chart to Kubernetes objects: with `helm template` when helm is
 * on PATH (the real thing), otherwise with the built-in renderer of the
 * Go-template subset (template/). Both produce Helm's output stream
 * (`---` + `# Source: <chart>/templates/<file>` per template), which is then
 * split into documents and parsed, so both paths end in the same objects.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parseDocument, stringify } from 'yaml';
import { UsageError } from '../../common/errors.js';
import { HelmTemplateError } from './errors.js';
import { renderTemplate, type ChartInfo } from './template/exec.js';
import { isMapping, yamlProblem, type Values } from './values.js';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export interface RenderedObject {
  /** `<chart>/templates/<file>` as Helm names it */
  source: string;
  object: KubeObject;
}

export interface RenderRequest {
  chartDir: string;
  releaseName: string;
  namespace: string;
  /** the values the templates see (built-in renderer) */
  values: Values;
  /** the user's and harness's values, nulls kept, written to the `-f` file (helm) */
  valuesForHelm: Values;
  /** `auto` (default): helm when it is on PATH */
  renderer?: 'auto' | 'helm' | 'builtin';
  /** PATH to search for helm (default: this process's) */
  searchPath?: string;
}

export interface RenderResult {
  renderer: 'helm' | 'builtin';
  objects: RenderedObject[];
}

/** The first executable `name` on a PATH string. */
export function findOnPath(name: string, searchPath = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function readChartInfo(chartDir: string): ChartInfo {
  const file = path.join(chartDir, 'Chart.yaml');
  const meta: unknown = parseDocument(readFileSync(file, 'utf8')).toJS();
  if (!isMapping(meta) || typeof meta['name'] !== 'string' || meta['version'] === undefined) {
    throw new UsageError(`${file}: a chart needs a name and a version`, { chartDir });
  }
  const info: ChartInfo = { Name: meta['name'], Version: String(meta['version']) };
  if (meta['appVersion'] !== undefined) info.AppVersion = String(meta['appVersion']);
  if (typeof meta['description'] === 'string') info.Description = meta['description'];
  if (typeof meta['apiVersion'] === 'string') info.APIVersion = meta['apiVersion'];
  if (typeof meta['type'] === 'string') info.Type = meta['type'];
  if (Array.isArray(meta['dependencies']) && meta['dependencies'].length > 0) {
    throw new UsageError(`chart ${chartDir} has dependencies; the built-in renderer renders a single chart (install helm)`, { chartDir });
  }
  return info;
}

export function readChartValues(chartDir: string): Values {
  const file = path.join(chartDir, 'values.yaml');
  if (!existsSync(file)) return {};
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors[0]) {
    const { line, message } = yamlProblem(doc.errors[0]);
    throw new UsageError(`${file}:${line}: ${message}`, { chartDir });
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) throw new UsageError(`${file}: a values file must be a YAML mapping`, { chartDir });
  return value;
}

function templateFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const sub = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...templateFiles(dir, sub));
    else out.push(sub);
  }
  return out;
}

/** The built-in renderer: Helm's output stream for the chart. */
export function renderBuiltin(req: Pick<RenderRequest, 'chartDir' | 'releaseName' | 'namespace' | 'values'>): string {
  const chart = readChartInfo(req.chartDir);
  const subcharts = path.join(req.chartDir, 'charts');
  if (existsSync(subcharts) && readdirSync(subcharts).length > 0) {
    throw new UsageError(`chart ${req.chartDir} has subcharts (charts/); the built-in renderer renders a single chart (install helm)`, { chartDir: req.chartDir });
  }
  const top = {
    Values: req.values,
    Release: { Name: req.releaseName, Namespace: req.namespace, Service: 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1 },
    Chart: chart,
  };
  const templatesDir = path.join(req.chartDir, 'templates');
  if (!existsSync(templatesDir)) return '';
  let stream = '';
  for (const rel of templateFiles(templatesDir)) {
    const base = path.posix.basename(rel);
    // NOTES.txt is never part of `helm template`'s manifests.
    if (base === 'NOTES.txt') continue;
    const text = renderTemplate(readFileSync(path.join(templatesDir, rel), 'utf8'), path.join(templatesDir, rel), top);
    // Partials (`_*`) are parsed, so their constructs are checked, but produce no manifest.
    if (base.startsWith('_') || !/\.(ya?ml|json)$/.test(base) || text.trim() === '') continue;
    stream += `---\n# Source: ${chart.Name}/templates/${rel}\n${text}\n`;
  }
  return stream;
}

/** The line helm's stderr explains the failure with. */
function helmErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => l.startsWith('Error:')) ?? lines[lines.length - 1] ?? 'no error output';
}

export async function renderWithHelm(helm: string, req: RenderRequest): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rekey-chaos-values-'));
  try {
    const valuesFile = path.join(dir, 'values.yaml');
    await writeFile(valuesFile, stringify(req.valuesForHelm));
    const result = await execa(helm, ['template', req.releaseName, req.chartDir, '--namespace', req.namespace, '-f', valuesFile], { reject: false, stripFinalNewline: false });
    if (result.failed) throw new HelmTemplateError(req.chartDir, helmErrorLine(String(result.stderr)), String(result.stderr), result.exitCode);
    return String(result.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Helm's output stream as objects; documents without content (comments only) are dropped. */
export function parseRenderedStream(stream: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  let source = '(rendered)';
  for (const part of stream.split(/^---[ \t]*$/m)) {
    const m = /^# Source: (.+)$/m.exec(part);
    if (m) source = m[1]!.trim();
    const doc = parseDocument(part);
    const error = doc.errors[0];
    if (error) {
      const { line, message } = yamlProblem(error);
      throw new UsageError(`${source}: the rendered YAML does not parse (line ${line} of its document): ${message}`, { source });
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isMapping(value) || typeof value['kind'] !== 'string' || !isMapping(value['metadata']) || typeof value['metadata']['name'] !== 'string') {
      throw new UsageError(`${source}: a rendered document is not a Kubernetes object (kind and metadata.name)`, { source });
    }
    objects.push({ source, object: value as KubeObject });
  }
  return objects;
}

export async function renderChart(req: RenderRequest): Promise<RenderResult> {
  const mode = req.renderer ?? 'auto';
  const helm = mode === 'builtin' ? undefined : findOnPath('helm', req.searchPath);
  if (mode === 'helm' && helm === undefined) throw new UsageError('helm is not on PATH (asked to render the manager chart with helm)');
  if (helm !== undefined) return { renderer: 'helm', objects: parseRenderedStream(await renderWithHelm(helm, req)) };
  return { renderer: 'builtin', objects: parseRenderedStream(renderBuiltin(req)) };
}
