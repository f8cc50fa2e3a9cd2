/**
 * Reads the CI examples under ci/ and says what is wrong with them: their
 * structure (shard jobs, dependencies, `--shard i/N` agreeing with the
 * number of shard jobs, the merged single-file report) and every command
 * they run (command-check.ts). Each validator takes the files' text, so a
 * test can plant a fault in a copy.
 */
import { parse } from 'yaml';
import { checkCommand, scriptCommands, type CheckedCommand } from './command-check.js';

export interface Validation {
  problems: string[];
  commands: CheckedCommand[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkLines(script: string, where: string, repoRoot: string, out: Validation): void {
  for (const line of scriptCommands(script)) {
    try {
      const checked = checkCommand(line, repoRoot);
      if (checked) out.commands.push(checked);
    } catch (err) {
      out.problems.push(`${where}: ${(err as Error).message}`);
    }
  }
}

/** `--shard X/N` values on the raw lines, templates written without inner spaces (`${{matrix.shard}}/8`). */
function shardValues(script: string): string[] {
  const compact = script.replace(/(\$?\{\{)\s*([^}]*?)\s*(\}\})/g, '$1$2$3');
  return [...compact.matchAll(/--shard[ =](\S+)/g)].map((m) => m[1]!);
}

function reportChecks(out: Validation, where: string): void {
  const reports = out.commands.filter((c) => c.tool === 'rekey-chaos' && c.name === 'report');
  if (reports.length === 0) out.problems.push(`${where}: no rekey-chaos report step`);
  for (const r of reports) if (r.options['--single-file'] !== true) out.problems.push(`${where}: the report is not --single-file (a multi-file report shows only a spinner from file://): ${r.line}`);
  const runs = out.commands.filter((c) => c.tool === 'rekey-chaos' && c.name === 'run');
  if (runs.length === 0) out.problems.push(`${where}: no rekey-chaos run step`);
}

export function validateGithubWorkflow(text: string, repoRoot: string): Validation {
  const out: Validation = { problems: [], commands: [] };
  const doc = parse(text) as Obj;
  const jobs = isObj(doc['jobs']) ? doc['jobs'] : {};
  const shardJobs = Object.entries(jobs).filter(([, job]) => isObj(job) && isObj(job['strategy']) && isObj((job['strategy'] as Obj)['matrix']));
  if (shardJobs.length !== 1) out.problems.push(`expected one job with a matrix, found ${shardJobs.length}`);
  const [shardName, shardJob] = shardJobs[0] ?? ['', {}];
  const matrix = ((shardJob as Obj)['strategy'] as Obj | undefined)?.['matrix'] as Obj | undefined;
  const shards = (matrix?.['shard'] as unknown[] | undefined) ?? [];
  const n = shards.length;
  if (n < 2) out.problems.push(`the shard matrix has ${n} entries`);
  if (!shards.every((s, i) => s === i + 1)) out.problems.push(`the shard matrix is not 1..${n}: ${JSON.stringify(shards)}`);
  const timeout = (shardJob as Obj)['timeout-minutes'];
  if (typeof timeout !== 'number' || timeout >= 360) out.problems.push(`the shard job's timeout-minutes (${String(timeout)}) must be set below GitHub's 360-minute job limit`);

  for (const [name, job] of Object.entries(jobs)) {
    const steps = isObj(job) && Array.isArray(job['steps']) ? (job['steps'] as Obj[]) : [];
    for (const [i, step] of steps.entries()) {
      if (typeof step['run'] !== 'string') continue;
      const where = `jobs.${name}.steps[${i}]`;
      checkLines(step['run'], where, repoRoot, out);
      for (const value of shardValues(step['run'])) {
        if (name !== shardName) out.problems.push(`${where}: --shard outside the matrix job`);
        if (value !== `\${{matrix.shard}}/${n}`) out.problems.push(`${where}: --shard ${value} does not match the ${n}-entry matrix (want \${{ matrix.shard }}/${n})`);
      }
    }
  }
  const runsWithShard = out.commands.filter((c) => c.name === 'run' && c.options['--shard'] !== undefined);
  if (runsWithShard.length === 0) out.problems.push('no rekey-chaos run uses --shard');

  // the report job: after every shard, whatever their outcome, merging what they uploaded
  const reportJobs = Object.entries(jobs).filter(([, job]) => isObj(job) && JSON.stringify(job['steps'] ?? []).includes('rekey-chaos report'));
  for (const [name, job] of reportJobs as [string, Obj][]) {
    const needs = ([] as unknown[]).concat(job['needs'] ?? []);
    if (!needs.includes(shardName)) out.problems.push(`jobs.${name} does not need ${shardName}`);
    if (typeof job['if'] !== 'string' || !job['if'].includes('always()')) out.problems.push(`jobs.${name} must run if: always() (a failed shard is what the report is for)`);
    const steps = job['steps'] as Obj[];
    const downloads = steps.filter((s) => typeof s['uses'] === 'string' && s['uses'].startsWith('actions/download-artifact@'));
    const uploads = ((shardJob as Obj)['steps'] as Obj[]).filter((s) => typeof s['uses'] === 'string' && s['uses'].startsWith('actions/upload-artifact@'));
    const uploadedNames = uploads.map((s) => String((s['with'] as Obj)['name']).replace(/\$\{\{[^}]*\}\}/, '*'));
    for (const d of downloads) {
      const pattern = String((d['with'] as Obj)['pattern']);
      if (!uploadedNames.includes(pattern)) out.problems.push(`jobs.${name}: download pattern ${pattern} matches no shard upload (${uploadedNames.join(', ')})`);
    }
    const merged = downloads.find((d) => (d['with'] as Obj)['merge-multiple'] === true);
    const reportCmd = out.commands.find((c) => c.name === 'report');
    if (!merged) out.problems.push(`jobs.${name}: no download merges the shards' results (merge-multiple: true)`);
    else if (reportCmd && reportCmd.options['--results'] !== (merged['with'] as Obj)['path']) out.problems.push(`jobs.${name}: the report reads ${String(reportCmd.options['--results'])}, the merged results are in ${String((merged['with'] as Obj)['path'])}`);
    const reportOut = reportCmd?.options['--out'];
    const uploadReport = steps.find((s) => typeof s['uses'] === 'string' && s['uses'].startsWith('actions/upload-artifact@'));
    if (!uploadReport || String((uploadReport['with'] as Obj)['path']) !== `${String(reportOut)}/index.html`) out.problems.push(`jobs.${name}: the report's index.html (${String(reportOut)}/index.html) is not uploaded as an artifact of its own`);
    if (!steps.some((s) => typeof s['uses'] === 'string' && /junit/i.test(s['uses']))) out.problems.push(`jobs.${name}: no JUnit step for the Actions UI`);
  }
  if (reportJobs.length !== 1) out.problems.push(`expected one report job, found ${reportJobs.length}`);
  reportChecks(out, 'workflow');
  return out;
}

export interface ZuulFiles {
  /** zuul.d/jobs.yaml */
  jobs: string;
  /** playbook path (relative to ci/zuul) → text */
  playbooks: Record<string, string>;
}

/** The scripts a playbook runs: command/shell tasks (string or `cmd:` form). */
function playbookScripts(text: string): string[] {
  const plays = parse(text) as Obj[];
  const scripts: string[] = [];
  for (const play of plays ?? []) {
    for (const task of (play['tasks'] as Obj[] | undefined) ?? []) {
      for (const key of ['ansible.builtin.command', 'ansible.builtin.shell', 'command', 'shell']) {
        const v = task[key];
        if (typeof v === 'string') scripts.push(v);
        else if (isObj(v) && typeof v['cmd'] === 'string') scripts.push(v['cmd']);
      }
    }
  }
  return scripts;
}

export function validateZuul(files: ZuulFiles, repoRoot: string): Validation {
  const out: Validation = { problems: [], commands: [] };
  const entries = parse(files.jobs) as Obj[];
  const jobs = entries.filter((e) => isObj(e['job'])).map((e) => e['job'] as Obj);
  const byName = new Map(jobs.map((j) => [String(j['name']), j]));
  const base = jobs.find((j) => j['abstract'] === true);
  if (!base) out.problems.push('no abstract shard job');
  const total = Number((base?.['vars'] as Obj | undefined)?.['shard_total']);
  const shardJobs = jobs.filter((j) => j['parent'] === base?.['name']);
  const indices = shardJobs.map((j) => Number((j['vars'] as Obj | undefined)?.['shard_index'])).sort((a, b) => a - b);
  if (!(total >= 2) || indices.length !== total || !indices.every((x, i) => x === i + 1)) out.problems.push(`shard jobs' shard_index ${JSON.stringify(indices)} are not 1..shard_total (${total})`);
  const timeout = Number(base?.['timeout']);
  if (!(timeout > 0)) out.problems.push('the shard job sets no timeout');

  // every playbook a job names exists, and every playbook is named by a job
  const named = new Set<string>();
  for (const j of jobs) {
    for (const key of ['pre-run', 'run', 'post-run']) {
      for (const p of ([] as unknown[]).concat(j[key] ?? [])) {
        named.add(String(p));
        if (!(String(p) in files.playbooks)) out.problems.push(`job ${String(j['name'])}: ${key} ${String(p)} does not exist`);
      }
    }
  }
  for (const p of Object.keys(files.playbooks)) if (!named.has(p)) out.problems.push(`playbook ${p} is run by no job`);

  const project = entries.find((e) => isObj(e['project']))?.['project'] as Obj | undefined;
  const pipeline = isObj(project?.['periodic']) ? (project!['periodic'] as Obj) : undefined;
  const listed = ((pipeline?.['jobs'] as unknown[] | undefined) ?? []).map((j) => (isObj(j) ? Object.keys(j)[0]! : String(j)));
  for (const j of shardJobs) if (!listed.includes(String(j['name']))) out.problems.push(`shard job ${String(j['name'])} is not in the periodic pipeline`);
  const reportEntry = ((pipeline?.['jobs'] as unknown[] | undefined) ?? []).find((j): j is Obj => isObj(j) && Object.keys(j)[0] === 'rekey-chaos-report');
  const deps = (((reportEntry?.['rekey-chaos-report'] as Obj | undefined)?.['dependencies'] as unknown[] | undefined) ?? []).map((d) => (isObj(d) ? String(d['name']) : String(d)));
  for (const j of shardJobs) if (!deps.includes(String(j['name']))) out.problems.push(`the report job does not depend on ${String(j['name'])}`);
  if (!byName.has('rekey-chaos-report')) out.problems.push('no rekey-chaos-report job');

  for (const [file, text] of Object.entries(files.playbooks)) {
    for (const script of playbookScripts(text)) {
      checkLines(script, file, repoRoot, out);
      for (const value of shardValues(script)) if (value !== '{{shard_index}}/{{shard_total}}') out.problems.push(`${file}: --shard ${value} is not {{ shard_index }}/{{ shard_total }}`);
    }
  }
  if (!out.commands.some((c) => c.name === 'run' && c.options['--shard'] !== undefined)) out.problems.push('no rekey-chaos run uses --shard');
  reportChecks(out, 'zuul');
  return out;
}
