/**
 * The pure parts of Kubernetes-shaped pods: WorkloadSpec validation (field
 * by field), the sandbox's mount plan on a made-up host, the bwrap and
 * unshare renderings, the DNS files, the exec-probe state machine, the
 * sandbox tool choice and the certificate check behind KUBERNETES_SERVICE_HOST.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { EnvironmentError } from '../../../common/errors.js';
import { AgentRequestError } from '../../../platform/agent/errors.js';
import { certificateCovers } from '../../../platform/agent/in-cluster.js';
import { ProbeWorker, type ProbeResult } from '../../../platform/agent/probe-worker.js';
import { bwrapMountArgs } from '../../../platform/agent/sandbox/bwrap.js';
import { chooseSandbox } from '../../../platform/agent/sandbox/detect.js';
import { planMounts, type HostView, type MountOp } from '../../../platform/agent/sandbox/mount-plan.js';
import { unshareScript } from '../../../platform/agent/sandbox/unshare.js';
import { validateWorkload } from '../../../platform/agent/workload-spec.js';
import { hostsFile, namesFor, nsswitchConf, resolvConf, type DnsPod } from '../../../platform/dns/hosts-file.js';
import { createCa, issueServerCertificate } from '../../../platform/pki.js';

const base = { name: 'mgr', namespace: 'vault', replicas: 1, labels: {}, command: ['bash', '/opt/script/init.sh'], env: {} };

/** The shape of StarlingX's manager pod spec, in WorkloadSpec terms. */
const managerLike = {
  ...base,
  volumes: [
    { name: 'vault-init-unseal-3', configMap: { name: 'vault-init-unseal-3' } },
    { name: 'mount-helper-yaml', configMap: { name: 'vault-mount-helper', items: [{ key: 'helper.yaml', path: 'helper.yaml', mode: 0o600 }] } },
    { name: 'vault-ca', secret: { secretName: 'vault-ca', optional: false } },
  ],
  volumeMounts: [
    { name: 'vault-init-unseal-3', mountPath: '/opt/script', readOnly: false },
    { name: 'mount-helper-yaml', mountPath: '/opt/yaml', readOnly: true },
    { name: 'vault-ca', mountPath: '/mnt/data/ca', readOnly: true },
  ],
  livenessProbe: { exec: { command: ['bash', '-c', 'source /opt/script/init.sh; health_check'] }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
};

function fieldOf(input: unknown): string {
  try {
    validateWorkload(input);
  } catch (err) {
    expect(err).to.be.instanceOf(AgentRequestError);
    expect((err as AgentRequestError).reason).to.equal('Invalid');
    return String((err as AgentRequestError).context.field);
  }
  throw new Error('accepted');
}

describe('pods: WorkloadSpec validation', () => {
  it("accepts the manager pod's shape, implies the sandbox and fills Kubernetes' defaults", () => {
    const spec = validateWorkload(managerLike);
    expect(spec.sandbox).to.equal(true);
    expect(spec.volumes![0]).to.deep.equal({ name: 'vault-init-unseal-3', configMap: { name: 'vault-init-unseal-3', defaultMode: 0o644, optional: false } });
    expect(spec.volumes![1]).to.have.nested.property('configMap.items[0].mode', 0o600);
    expect(spec.volumeMounts![2]).to.deep.equal({ name: 'vault-ca', mountPath: '/mnt/data/ca', readOnly: true });
    expect(spec.livenessProbe).to.deep.include({ initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  });

  it('keeps our own pods as they were: tcp readiness, no sandbox', () => {
    const spec = validateWorkload({ ...base, readiness: { tcpPort: 8200 } });
    expect(spec.readiness).to.deep.equal({ tcpPort: 8200 });
    expect(spec).to.not.have.property('sandbox');
    expect(validateWorkload({ ...base, sandbox: true }).sandbox).to.equal(true);
  });

  it('names the offending field', () => {
    const vol = (v: unknown) => ({ ...base, volumes: [v] });
    expect(fieldOf(vol({ name: 'a', configMap: { name: 'x' }, emptyDir: {} }))).to.equal('volumes[0]');
    expect(fieldOf(vol({ name: 'a', nfs: { server: 'x', path: '/' } }))).to.equal('volumes[0].nfs');
    expect(fieldOf(vol({ name: 'a', hostPath: { path: 'relative' } }))).to.equal('volumes[0].hostPath.path');
    expect(fieldOf(vol({ name: 'a', hostPath: { path: '/x', type: 'Socket' } }))).to.equal('volumes[0].hostPath.type');
    expect(validateWorkload(vol({ name: 'a', hostPath: { path: '/srv/checkout' } })).volumes).to.deep.equal([{ name: 'a', hostPath: { path: '/srv/checkout' } }]);
    expect(fieldOf(vol({ name: 'a', secret: {} }))).to.equal('volumes[0].secret.secretName');
    expect(fieldOf(vol({ name: 'a', configMap: { name: 'x', items: [{ key: 'k', path: '../etc/passwd' }] } }))).to.equal('volumes[0].configMap.items[0].path');
    expect(fieldOf(vol({ name: 'a', configMap: { name: 'x', defaultMode: 0o1777 } }))).to.equal('volumes[0].configMap.defaultMode');
    expect(fieldOf({ ...base, volumes: [{ name: 'a', emptyDir: {} }, { name: 'a', emptyDir: {} }] })).to.equal('volumes[1].name');
    const withVol = { ...base, volumes: [{ name: 'a', emptyDir: {} }] };
    expect(fieldOf({ ...withVol, volumeMounts: [{ name: 'b', mountPath: '/x' }] })).to.equal('volumeMounts[0].name');
    expect(fieldOf({ ...withVol, volumeMounts: [{ name: 'a', mountPath: 'x' }] })).to.equal('volumeMounts[0].mountPath');
    expect(fieldOf({ ...withVol, volumeMounts: [{ name: 'a', mountPath: '/x', subPath: '/abs' }] })).to.equal('volumeMounts[0].subPath');
    expect(fieldOf({ ...withVol, volumeMounts: [{ name: 'a', mountPath: '/x' }, { name: 'a', mountPath: '/x/' }] })).to.equal('volumeMounts[1].mountPath');
    expect(fieldOf({ ...withVol, sandbox: false })).to.equal('sandbox');
    const probe = { exec: { command: ['true'] } };
    expect(fieldOf({ ...base, livenessProbe: { ...probe, successThreshold: 2 } })).to.equal('livenessProbe.successThreshold');
    expect(fieldOf({ ...base, readinessProbe: { httpGet: { port: 80 } } })).to.equal('readinessProbe.httpGet');
    expect(fieldOf({ ...base, readinessProbe: { exec: { command: [] } } })).to.equal('readinessProbe.exec.command');
    expect(fieldOf({ ...base, readinessProbe: { ...probe, periodSeconds: 0 } })).to.equal('readinessProbe.periodSeconds');
    expect(fieldOf({ ...base, readinessProbe: { ...probe, failureThreshold: 1.5 } })).to.equal('readinessProbe.failureThreshold');
    expect(fieldOf({ ...base, readinessProbe: { ...probe, terminationGracePeriodSeconds: 1 } })).to.equal('readinessProbe.terminationGracePeriodSeconds');
  });
});

/** A made-up host: folders hold their entries, strings are symlinks, null is a file. */
type Tree = { [name: string]: Tree | string | null };
function fakeHost(tree: Tree): HostView {
  const find = (p: string): Tree | string | null | undefined => {
    let cur: Tree | string | null | undefined = tree;
    for (const part of p.split('/').filter(Boolean)) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = cur[part];
    }
    return cur;
  };
  return {
    type: (p) => {
      const e = find(p);
      return e === undefined ? 'missing' : e === null ? 'file' : typeof e === 'string' ? 'symlink' : 'dir';
    },
    list: (p) => Object.keys(find(p) as Tree),
    readlink: (p) => find(p) as string,
    isDir: (p) => typeof find(p) === 'object' && find(p) !== null,
  };
}

describe('pods: the sandbox mount plan', () => {
  const host = fakeHost({
    bin: 'usr/bin',
    usr: { bin: {} },
    etc: { hosts: null, passwd: null, ssl: {}, 'resolv.conf': '../run/resolvconf' },
    opt: { tools: {} },
    var: { run: '/run', lib: {} },
    run: { lock: {} },
    proc: {},
    dev: {},
    state: { cm: {}, sa: {}, dns: {}, ca: { 'tls.crt': null } },
  });
  const ops = planMounts(
    [
      { kind: 'bind', target: '/opt/script', source: '/state/cm', readOnly: true },
      { kind: 'bind', target: '/var/run/secrets/kubernetes.io/serviceaccount', source: '/state/sa', readOnly: true },
      { kind: 'bind', target: '/run/cluster-dns', source: '/state/dns', readOnly: true },
      { kind: 'symlink', target: '/etc/hosts', linkTo: '/run/cluster-dns/hosts' },
      { kind: 'symlink', target: '/etc/resolv.conf', linkTo: '/run/cluster-dns/resolv.conf' },
      { kind: 'bind', target: '/mnt/data/ca', source: '/state/ca', readOnly: true },
      { kind: 'bind', target: '/mnt/data', source: '/state/cm', readOnly: false },
    ],
    host,
  );
  const at = (p: string) => ops.filter((o) => o.path === p);
  const index = (pred: (o: MountOp) => boolean) => ops.findIndex(pred);

  it('makes every folder on the way to a mount point a folder of its own tmpfs and binds the host entries back', () => {
    expect(at('/opt')).to.deep.equal([{ op: 'dir', path: '/opt' }]);
    expect(at('/opt/tools')).to.deep.equal([{ op: 'bind', source: '/opt/tools', path: '/opt/tools', readOnly: false, sourceIsDir: true }]);
    expect(at('/etc/passwd')[0]).to.include({ op: 'bind', source: '/etc/passwd' });
    expect(at('/usr')[0]).to.include({ op: 'bind', source: '/usr' });
    expect(at('/bin')).to.deep.equal([{ op: 'symlink', linkTo: 'usr/bin', path: '/bin' }]);
    expect(at('/proc')).to.deep.equal([{ op: 'proc', path: '/proc' }]);
    expect(at('/dev')).to.deep.equal([{ op: 'dev', path: '/dev' }]);
    // /var is not on any way (its run symlink is followed), so it is bound whole
    expect(at('/var')[0]).to.include({ op: 'bind', source: '/var' });
  });

  it('follows host symlinks on the way and replaces requested paths instead of binding the host entry', () => {
    expect(at('/run/secrets/kubernetes.io/serviceaccount')).to.deep.equal([
      { op: 'bind', source: '/state/sa', path: '/run/secrets/kubernetes.io/serviceaccount', readOnly: true, sourceIsDir: true },
    ]);
    expect(at('/run')).to.deep.equal([{ op: 'dir', path: '/run' }]);
    expect(at('/run/lock')[0]).to.include({ op: 'bind' });
    expect(at('/etc/hosts')).to.deep.equal([{ op: 'symlink', linkTo: '/run/cluster-dns/hosts', path: '/etc/hosts' }]);
    expect(at('/etc/resolv.conf')).to.deep.equal([{ op: 'symlink', linkTo: '/run/cluster-dns/resolv.conf', path: '/etc/resolv.conf' }]);
  });

  it('creates folders missing on the host in the tmpfs and mounts a nested volume after its parent', () => {
    expect(at('/mnt')).to.deep.equal([{ op: 'dir', path: '/mnt' }]);
    const parent = index((o) => o.path === '/mnt/data');
    const child = index((o) => o.path === '/mnt/data/ca');
    expect(parent).to.be.greaterThan(-1);
    expect(child).to.be.greaterThan(parent);
    // /mnt/data is a mount, not a way: nothing of it is synthesized
    expect(ops.filter((o) => o.op === 'dir' && o.path.startsWith('/mnt/data'))).to.deep.equal([]);
  });

  it('renders as bwrap options and as an unshare mount script', () => {
    const args = bwrapMountArgs(ops);
    expect(args.join(' ')).to.include('--dir /opt').and.include('--ro-bind /state/cm /opt/script').and.include('--proc /proc').and.include('--dev /dev');
    const script = unshareScript(ops, { rootDir: "/state/root'x", hostname: 'mgr-0', env: '/usr/bin/env', cwd: '/' });
    const lines = script.split('\n');
    // everything after the tmpfs mount is relative to it (the working directory), never to the host folder
    expect(lines.slice(0, 3)).to.deep.equal(['set -e', `mount -t tmpfs -o mode=0755 rekey-chaos-pod '/state/root'\\''x'`, `cd '/state/root'\\''x'`]);
    expect(lines).to.include(`mount --rbind '/state/cm' './opt/script'`);
    expect(lines).to.include(`mount -o remount,bind,ro './opt/script'`);
    expect(lines).to.include(`ln -s '/run/cluster-dns/hosts' './etc/hosts'`);
    expect(lines.slice(3).filter((l) => l.includes('/state/root'))).to.deep.equal([]);
    expect(lines.pop()).to.equal(`exec chroot . '/usr/bin/env' --default-signal --chdir='/' "$@"`);
  });
});

describe('pods: cluster DNS files', () => {
  const pods: DnsPod[] = [
    { name: 'sva-vault-0', namespace: 'vault', ip: '127.52.0.10', labels: { component: 'server' } },
    { name: 'sva-vault-1', namespace: 'vault', ip: '127.52.0.11', labels: { component: 'server' } },
    { name: 'sva-vault-manager-0', namespace: 'vault', ip: '127.52.0.12', labels: { component: 'manager' } },
    { name: 'other-0', namespace: 'other', ip: '127.52.0.13', labels: {} },
  ];
  const services = [
    { name: 'sva-vault-active', namespace: 'vault', clusterIP: '127.52.0.2' },
    { name: 'sva-vault-internal', namespace: 'vault', selector: { component: 'server' } },
  ];
  const lines = (ns: string) => hostsFile(ns, pods, services).split('\n');

  it('lists pod records, services and the short forms the search path gives', () => {
    const vault = lines('vault');
    expect(vault).to.include('127.52.0.10\t127-52-0-10.vault.pod.cluster.local 127-52-0-10.vault.pod');
    expect(vault).to.include('127.52.0.13\t127-52-0-13.other.pod.cluster.local 127-52-0-13.other.pod');
    expect(vault).to.include('127.52.0.2\tsva-vault-active.vault.svc.cluster.local sva-vault-active sva-vault-active.vault sva-vault-active.vault.svc');
    expect(vault).to.include('127.52.0.11\tsva-vault-internal.vault.svc.cluster.local sva-vault-internal sva-vault-internal.vault sva-vault-internal.vault.svc');
    expect(vault).to.include(
      '127.52.0.11\tsva-vault-1.sva-vault-internal.vault.svc.cluster.local sva-vault-1.sva-vault-internal sva-vault-1.sva-vault-internal.vault sva-vault-1.sva-vault-internal.vault.svc',
    );
    expect(vault.filter((l) => l.includes('sva-vault-manager') || l.startsWith('127.52.0.12\tsva'))).to.deep.equal([]);
  });

  it("gives the bare service name only in its own namespace's file", () => {
    expect(namesFor('sva-vault-active.vault.svc.cluster.local', 'other')).to.deep.equal([
      'sva-vault-active.vault.svc.cluster.local',
      'sva-vault-active.vault',
      'sva-vault-active.vault.svc',
    ]);
    expect(lines('other')).to.include('127.52.0.2\tsva-vault-active.vault.svc.cluster.local sva-vault-active.vault sva-vault-active.vault.svc');
  });

  it("writes Kubernetes' search path and asks the hosts file first", () => {
    expect(resolvConf('vault', ['10.0.0.53'])).to.equal('search vault.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.0.0.53\noptions ndots:5\n');
    expect(nsswitchConf('passwd: files\nhosts: dns\ngroup: files\n')).to.equal('passwd: files\ngroup: files\nhosts: files dns\n');
  });
});

describe('pods: exec probe results', () => {
  /** Feeds scripted attempt outcomes and records the result changes. */
  function run(initial: ProbeResult, outcomes: boolean[], thresholds: { successThreshold?: number; failureThreshold?: number }): Promise<ProbeResult[]> {
    return new Promise((resolve) => {
      const changes: ProbeResult[] = [];
      let i = 0;
      const worker: ProbeWorker = new ProbeWorker(
        { exec: { command: ['x'] }, periodSeconds: 0.001, ...thresholds },
        initial,
        async () => {
          const ok = outcomes[i++];
          if (ok === undefined) {
            worker.stop();
            resolve(changes);
            return { ok: true, detail: '' };
          }
          return { ok, detail: ok ? '' : 'exit code 1' };
        },
        (result) => changes.push(result),
      );
      worker.start();
    });
  }

  it('readiness becomes ready after successThreshold successes in a row and unready after failureThreshold failures', async () => {
    expect(await run('failure', [true, false, true, true, false, false, true], { successThreshold: 2, failureThreshold: 2 })).to.deep.equal(['success', 'failure']);
  });

  it('liveness fails only after failureThreshold failures in a row', async () => {
    expect(await run('success', [false, false, true, false, false], { failureThreshold: 3 })).to.deep.equal([]);
    expect(await run('success', [false, true, false, false, false], { failureThreshold: 3 })).to.deep.equal(['failure']);
  });
});

describe('pods: environment checks', () => {
  it('refuses to start without a sandbox tool, naming what to install (EnvironmentError, exit 3)', () => {
    let caught: unknown;
    try {
      chooseSandbox({ bwrapPath: '/nonexistent/bwrap', unsharePath: '/nonexistent/unshare', isRoot: false });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(EnvironmentError);
    expect((caught as EnvironmentError).exitCode).to.equal(3);
    expect((caught as Error).message).to.include('apt-get install bubblewrap').and.include('needs root');
  });

  it('finds a working tool on this machine', () => {
    const runtime = chooseSandbox();
    expect(runtime.kind).to.be.oneOf(['bwrap', 'unshare']);
    expect(path.isAbsolute(runtime.tool)).to.equal(true);
  });

  it("checks a certificate's subjectAltNames against KUBERNETES_SERVICE_HOST", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pods-cert-'));
    try {
      const ca = await createCa(dir);
      const leaf = await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'x', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
      expect(certificateCovers(leaf.certPem, '127.0.0.1')).to.equal(true);
      expect(certificateCovers(leaf.certPem, 'localhost')).to.equal(true);
      expect(certificateCovers(leaf.certPem, '127.52.0.1')).to.equal(false);
      expect(certificateCovers(leaf.certPem, 'kubernetes.default.svc')).to.equal(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
