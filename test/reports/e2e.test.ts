/**
 * End to end on a real embedded cluster (ipBase 127.48.0): one iteration of a
 * quick-matrix scenario with a broken manager variant, reported through the
 * Allure and summary sinks, rendered to HTML, opened in headless Chromium,
 * and every output scanned for the actual shard and root-token values, which
 * a spy sink reads from the cluster's secrets while the cluster is up.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import type { ResultSink } from '../../common/record.js';
import { parseShard, parseShardSecretName, ROOT_TOKEN_SECRET } from '../../common/secrets.js';
import { buildItems, managerChoice } from '../../cli/run-exec.js';
import { runItems } from '../../harness/run/runner.js';
import { loadCatalog } from '../../matrix/catalog.js';
import { expand, select } from '../../matrix/selection.js';
import { createAllureSink } from '../../reports/allure/sink.js';
import { generateHtmlReport } from '../../reports/html.js';
import { formatFindings, scanForSecrets, type SecretValues } from '../../reports/scan.js';
import { createSummarySink } from '../../reports/summary/sink.js';
import { dumpRenderedDom, findChromium, tempDir, visibleText } from './helpers.js';

/**
 * Fails I1 on every iteration (Vault rotates before the new shards are stored, seen exactly on the
 * key feed) and leaves cluster-key consistent, so the runner has nothing to redeploy afterwards.
 */
const DEFECT = 'no-require-verification';

/** Reads every shard and the root token from the cluster's secrets (values kept in memory only, for the scan). */
class SecretSpy implements ResultSink {
  readonly values: Required<SecretValues> = { shards: [], unsealKeys: [], rootTokens: [] };
  private readonly seen = new Set<string>();
  constructor(private readonly kubeconfigPath: string) {}

  private async collect(): Promise<void> {
    if (!existsSync(this.kubeconfigPath)) return;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: 'vault' });
    for (const s of list.items) {
      const raw = s.data?.strdata;
      const name = s.metadata?.name ?? '';
      if (!raw) continue;
      const text = Buffer.from(raw, 'base64').toString('utf8');
      if (this.seen.has(text)) continue;
      this.seen.add(text);
      if (name === ROOT_TOKEN_SECRET) this.values.rootTokens.push(text.trim());
      else if (parseShardSecretName(name)) {
        const shard = parseShard(text);
        if (shard) this.values.shards.push(shard);
      }
    }
  }
  async iterationStarted(): Promise<void> {
    await this.collect(); // the initial set and root token, before the rekey replaces them
  }
  async iterationFinished(): Promise<void> {
    await this.collect(); // the new set
  }
}

describe('reports: end to end on the embedded cluster with a broken manager', function () {
  this.timeout(300_000); // a real cluster, allure and Chromium on shared cores: generous, never asserted

  let tmp: ReturnType<typeof tempDir>;
  let spy: SecretSpy;
  let resultsDir: string;
  let reportDir: string;
  let exitCode: number;
  let printed = '';

  before(async () => {
    tmp = tempDir('e2e');
    const stateDir = join(tmp.path, 'state');
    resultsDir = join(tmp.path, 'allure-results');
    reportDir = join(tmp.path, 'allure-report');
    spy = new SecretSpy(join(stateDir, 'kubeconfig'));
    const refs = expand(select(loadCatalog(), { matrix: 'quick' }), undefined).filter((r) => r.scenario.family === 'F1').slice(0, 1);
    const opts = { backend: 'embedded' as const, manager: 'reference', defect: DEFECT, timescale: 0.02, timescaleExplicit: false };
    const items = buildItems(refs, opts);
    const summary = await runItems(items, {
      backend: 'embedded',
      backendOptions: { ipBase: '127.48.0', stateDir },
      manager: managerChoice(opts),
      runsDir: join(tmp.path, 'runs'),
      sinks: [spy, createAllureSink({ resultsDir }), createSummarySink({ outDir: join(tmp.path, 'out'), print: (t) => (printed += t) })],
    });
    exitCode = summary.exitCode;
    if (summary.counts['environment-error'] === 0) await generateHtmlReport({ resultsDirs: [resultsDir], outDir: reportDir, singleFile: true });
  });
  after(() => tmp.remove()); // runItems tears its cluster down itself, even on failure

  it('the broken variant fails an invariant and the summary names its replay command', function () {
    if (exitCode === 3) throw new Error(`the embedded cluster did not come up:\n${printed}`);
    expect(exitCode).to.equal(1);
    expect(printed).to.match(/failures \(replay with\):\n.*failed \[I1/);
    expect(printed).to.contain(`defect=${DEFECT}`);
    expect(spy.values.shards.length, 'shard values of the old and the new set, read from the cluster').to.be.greaterThanOrEqual(10);
    expect(spy.values.rootTokens).to.have.length.greaterThanOrEqual(1);
  });

  it('the HTML report shows the failed invariant, evidence, timeline picture and replay command in Chromium', async function () {
    const chromium = await findChromium();
    if (!chromium) return this.skip(); // run `bash scripts/setup.sh` to install Debian's chromium
    const index = JSON.parse(readFileSync(join(reportDir, 'test-results.json'), 'utf8')) as { byId: Record<string, { id: string; status: string }> };
    const failed = Object.values(index.byId).find((e) => e.status === 'failed');
    expect(failed, 'a failed result in the report').to.not.equal(undefined);
    const dom = await dumpRenderedDom(chromium, `${pathToFileURL(join(reportDir, 'index.html')).href}#/${failed!.id}`, join(tmp.path, 'chromium'), (d) => visibleText(d).includes('Test body'));
    const text = visibleText(dom);
    expect(text).to.match(/Invariant violated: I1/);
    expect(text).to.match(/I1 failed/);
    expect(text).to.match(/I1 evidence/);
    expect(text).to.contain('timeline.svg');
    expect(dom).to.match(/srcdoc="[^"]*data:image\/svg\+xml;base64,/);
    expect(dom).to.contain('rekey-chaos replay');
  });

  it('no shard or root-token value of the run is anywhere in the results, run dirs or report', () => {
    const findings = scanForSecrets([resultsDir, join(tmp.path, 'runs'), reportDir, join(tmp.path, 'out')], spy.values);
    expect(findings, formatFindings(findings)).to.deep.equal([]);
  });
});
