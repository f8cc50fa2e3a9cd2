/**
 * A manager chart on kind (`--manager chart:<dir>`): rendered with the
 * harness's values (three replicas, the deployed Vault version, the status
 * rate) and applied as rendered, the CA Secret it mounts created, its pods
 * found by the chart's own labels, `--defect` refused, a build-placeholder
 * image refused. The fixture chart stands for StarlingX's (same CA Secret,
 * same `component: webhook` label).
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile, cp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../common/repo-root.js';
import { UsageError } from '../../common/errors.js';
import { startFakeKind, storeFreshClusterKey, verb, waitForCall, type FakeKind } from './fake-cluster.js';

const FIXTURE_CHART = path.join(REPO_ROOT, 'test', 'backends', 'fixtures', 'chart-wrapping-reference');
const SPEC = `chart:${FIXTURE_CHART},set=repoRoot=${REPO_ROOT}`;

describe('kind: a manager chart', function () {
  this.timeout(60_000);
  let k: FakeKind;
  beforeEach(async () => {
    k = await startFakeKind();
  });
  afterEach(() => k.stop());

  it('is rendered with 3 replicas, the deployed Vault version and the status rate, its CA Secret made, its pods found by its labels', async () => {
    const b = k.backend({ statusRateMs: 2000, vaultVersion: '1.14.9' });
    const handle = await b.up();
    const deploying = b.deploy({ manager: { kind: SPEC } });
    await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
    await storeFreshClusterKey(k.fx);
    await deploying;
    const c = await k.calls();
    const apply = c.find((x) => x.tool === 'kubectl' && verb(x)[0] === 'apply')!;
    const docs = apply.stdin.split(/^---$/m).map((d) => parse(d));
    const script = docs.find((d) => d.kind === 'ConfigMap').data['run.sh'] as string;
    expect(script).to.contain('wrapper: replicas 3, server version 1.14.9');
    expect(script).to.contain('MANAGER_STATUS_RATE_MS=$(( 2 * 1000 ))');
    expect(docs.find((d) => d.kind === 'StatefulSet').metadata.name).to.equal('sva-vault-manager-w');
    expect(docs.some((d) => d.kind === 'CronJob')).to.equal(true);
    const ca = k.fx.store.get('secrets', 'vault', 'vault-ca') as any;
    expect(Buffer.from(ca.data['tls.crt'], 'base64').toString()).to.equal(handle.caCertPem);
    expect(handle.names.managerLabelSelector).to.equal('app.kubernetes.io/instance=sva-vault,app.kubernetes.io/name=vault-manager,component=webhook');
    expect(handle.statusRateMs).to.equal(2000);
    const values = parse(await readFile(c.find((x) => x.tool === 'helm' && x.args[0] === 'upgrade')!.args.find((a) => a.endsWith('vault-values.yaml'))!, 'utf8'));
    expect(values.server.image.tag).to.equal('1.14.9');
    // The chart's image is loaded, not our reference image built.
    expect(c.some((x) => x.tool === 'docker' && x.args[0] === 'build')).to.equal(false);
    expect(c.filter((x) => x.tool === 'kind' && x.args[0] === 'load').map((x) => x.args[2])).to.include('wrapped-manager:test');
  });

  it('--defect with a chart is refused (exit 2) before the cluster changes', async () => {
    const b = k.backend();
    await b.up();
    const before = (await k.calls()).length;
    const err = await b.deploy({ manager: { kind: SPEC, defect: 'skip-verify' } }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError);
    expect((err as UsageError).exitCode).to.equal(2);
    expect((await k.calls()).length).to.equal(before);
  });

  it("a build-placeholder image tag (StarlingX's @OS_CODENAME@) is refused with what to set", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-chart-'));
    try {
      await cp(FIXTURE_CHART, dir, { recursive: true });
      const manifest = path.join(dir, 'templates', 'manager.yaml');
      await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('image: wrapped-manager:test', 'image: starlingx/stx-vault-manager:stx.13.0-v1.35.5-@OS_CODENAME@'));
      const b = k.backend();
      await b.up();
      const err = await b.deploy({ manager: { kind: `chart:${dir},set=repoRoot=${REPO_ROOT}` } }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(UsageError);
      expect((err as Error).message).to.match(/the manager image starlingx\/stx-vault-manager:stx\.13\.0-v1\.35\.5-@OS_CODENAME@ is a build placeholder; name a real image/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the StarlingX values file the project ships names a pinned image and three replicas', async () => {
    const values = parse(await readFile(path.join(REPO_ROOT, 'manager', 'values', 'starlingx-kind.yaml'), 'utf8'));
    expect(values.server.ha.replicas).to.equal(3);
    expect(values.server.version).to.equal('1.14.0');
    expect(values.manager.image.tag).to.be.a('string').and.not.match(/@|latest/);
  });
});
