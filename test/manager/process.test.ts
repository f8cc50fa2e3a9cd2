/** The manager as a real process: configuration errors, the log format, SIGTERM between steps, lookup of pod names. */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseHosts } from '../../manager/config.js';
import { ConfigError } from '../../manager/errors.js';
import { createLogger } from '../../manager/log.js';
import { decodePodName, resolveStatic } from '../../manager/vault/resolve.js';
import { formatDefects } from '../../cli/defects.js';
import { DEFECTS } from '../../manager/defects/registry.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('manager process and configuration', function () {
  this.timeout(30000);
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    child = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function start(env: Record<string, string>): { child: ChildProcess; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    child = spawn(process.execPath, ['--import', 'tsx', 'manager/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b: Buffer) => out.push(...b.toString().split('\n').filter(Boolean)));
    child.stderr!.on('data', (b: Buffer) => err.push(b.toString()));
    return { child, out, err };
  }

  it('exits 2 naming the known defects when MANAGER_DEFECT is unknown', async () => {
    const p = start({ MANAGER_DEFECT: 'no-such-bug', KUBECONFIG: '/nonexistent' });
    const [code] = await once(p.child, 'exit');
    expect(code).to.equal(2);
    const text = p.err.join('');
    expect(text).to.include('no-such-bug');
    for (const d of DEFECTS) expect(text).to.include(d.name);
  });

  it('stops cleanly on SIGTERM (exit 0) and logs in the contract format', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-manager-proc-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    // An API server that is not there: every pass fails with a typed, logged error and the loop keeps going.
    await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.45.0.250:9\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: vault}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n`);
    const p = start({ KUBECONFIG: kubeconfig, MANAGER_STATUS_RATE_MS: '50', MANAGER_API_TIMEOUT_MS: '500' });
    await new Promise<void>((resolve, reject) => {
      const check = () => (p.out.some((l) => l.includes('pass interrupted')) ? resolve() : undefined);
      p.child.stdout!.on('data', check);
      p.child.on('exit', () => reject(new Error(`manager exited early: ${p.err.join('')}`)));
    });
    p.child.kill('SIGTERM');
    const [code] = await once(p.child, 'exit');
    expect(code).to.equal(0);
    for (const line of p.out) expect(line).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) \S/);
    expect(p.out.at(-1)).to.match(/INFO vault-manager stopping \(between steps\)$/);
  });

  it('reads the contract env with StarlingX defaults and rejects bad values', () => {
    const c = loadConfig({});
    expect(c).to.deep.include({ namespace: 'vault', fullName: 'sva-vault', statusRateMs: 5000, unsealWaitIntervals: 3, apiTimeoutMs: 15000, logLevel: 'INFO', defect: undefined });
    expect(loadConfig({ MANAGER_STATUS_RATE_MS: '100', MANAGER_UNSEAL_WAIT_INTERVALS: '0' })).to.deep.include({ statusRateMs: 100, unsealWaitIntervals: 0 });
    expect(() => loadConfig({ MANAGER_STATUS_RATE_MS: 'fast' })).to.throw(ConfigError, /MANAGER_STATUS_RATE_MS/);
    expect(() => loadConfig({ MANAGER_LOG_LEVEL: 'LOUD' })).to.throw(ConfigError, /MANAGER_LOG_LEVEL/);
    expect(() => parseHosts('a=1.2.3.4,broken')).to.throw(ConfigError, /broken/);
  });

  it('resolves pod names to their IP, static hosts, and nothing else', () => {
    expect(decodePodName('127-45-0-12.vault.pod.cluster.local')).to.equal('127.45.0.12');
    expect(decodePodName('127-45-0-999.vault.pod.cluster.local')).to.equal(undefined);
    expect(decodePodName('sva-vault-0.vault.pod.cluster.local')).to.equal(undefined);
    const hosts = parseHosts('sva-vault-active.vault.svc.cluster.local=127.45.0.2');
    expect(resolveStatic('SVA-VAULT-ACTIVE.vault.svc.cluster.local', hosts)).to.equal('127.45.0.2');
    expect(resolveStatic('example.org', hosts)).to.equal(undefined);
  });

  it('redacts anything shaped like a shard or token from log lines', () => {
    const lines: string[] = [];
    const log = createLogger('INFO', (l) => lines.push(l));
    log.debug('hidden');
    log.info(`share ${'ab'.repeat(33)} token hvs.${'ABCDEFGH'.repeat(3)}`);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.not.include('abab').and.not.include('hvs.');
  });

  it('lists the defects from the registry, as text and JSON', () => {
    const json = JSON.parse(formatDefects(true)) as { name: string; description: string }[];
    expect(json.map((d) => d.name)).to.deep.equal(DEFECTS.map((d) => d.name));
    expect(json.length).to.be.at.least(8);
    for (const d of json) expect(d.description.length).to.be.greaterThan(20);
    expect(formatDefects(false).trim().split('\n')).to.have.length(DEFECTS.length);
  });
});
