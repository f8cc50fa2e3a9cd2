import { expect } from 'chai';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { main } from '../../cli/main.js';
import { generateHtmlReport } from '../../reports/html.js';
import { formatFindings, scanForSecrets } from '../../reports/scan.js';
import { makeRecord, makeWorld, type FixtureWorld } from './fixtures.js';
import { dumpRenderedDom, findChromium, htmlUnescape, tempDir, visibleText, writeResults } from './helpers.js';

type ReportIndex = { byId: Record<string, { id: string; name: string; status: string }> };

describe('reports: HTML report (Allure 3) and what a reviewer sees in it', function () {
  this.timeout(240_000); // allure generation and Chromium on two shared cores: generous, never asserted

  let world: FixtureWorld;
  let tmp: ReturnType<typeof tempDir>;
  let shardA: string;
  let shardB: string;
  let reportDir: string;
  let index: ReportIndex;
  const failedReplay = () => JSON.parse(readFileSync(join(tmp.path, 'runs', 'F3-kill-active-i1-failed-i1', 'record.json'), 'utf8')).replay as string;

  before(async () => {
    world = await makeWorld();
    tmp = tempDir('html');
    // two `--shard` runs, each with its own results dir
    shardA = join(tmp.path, 'shard-1-of-2');
    shardB = join(tmp.path, 'shard-2-of-2');
    const passed = makeRecord(world, 'passed', tmp.path);
    const failed = makeRecord(world, 'failed-i1', tmp.path);
    // a shard that slipped into a manager log must be scrubbed on its way into the report
    appendFileSync(join(failed.runDir, 'logs', 'sva-vault-manager-0.log'), `2026-11-23T15:04:06.000Z ERROR leaked ${Buffer.from(world.oldSet.shards[0]!).toString('hex')}\n`);
    writeResults(shardA, [passed, failed]);
    writeResults(shardB, [makeRecord(world, 'not-hit', tmp.path), makeRecord(world, 'timeout', tmp.path)]);
    reportDir = join(tmp.path, 'report');
    // through the CLI, as CI would: two --results merge into one single-file report
    const code = await main(['report', '--results', shardA, '--results', shardB, '--out', reportDir, '--single-file', '--history', join(tmp.path, 'history.jsonl')]);
    if (code !== 0) throw new Error(`rekey-chaos report exited ${code}`);
    index = JSON.parse(readFileSync(join(reportDir, 'test-results.json'), 'utf8')) as ReportIndex;
  });
  after(() => tmp.remove());

  it('merges the results of two shard runs into one single-file report', () => {
    expect(existsSync(join(reportDir, 'index.html'))).to.equal(true);
    const entries = Object.values(index.byId).map((e) => `${e.name}:${e.status}`).sort();
    expect(entries).to.deep.equal(['F1-kill-active #1:passed', 'F2-kill-active #1:broken', 'F3-kill-active #1:failed', 'F5-kill-active #1:skipped']);
    expect(existsSync(join(tmp.path, 'history.jsonl'))).to.equal(true);
  });

  it('shows the failed invariant, its evidence, the timeline picture and the replay command in headless Chromium', async function () {
    const chromium = await findChromium();
    if (!chromium) return this.skip(); // not installed: run `bash scripts/setup.sh` (installs Debian's chromium)
    const failed = Object.values(index.byId).find((e) => e.status === 'failed')!;
    const raw = readFileSync(join(reportDir, 'index.html'), 'utf8');
    // the report embeds its data encoded: these texts exist only once the page's scripts have rendered it
    expect(raw).to.not.contain('Invariant violated: I1');
    const url = `${pathToFileURL(join(reportDir, 'index.html')).href}#/${failed.id}`;
    const dom = await dumpRenderedDom(chromium, url, join(tmp.path, 'chromium-profile'), (d) => d.includes('test-result-description-frame') && visibleText(d).includes('Test body'));
    const text = visibleText(dom);
    expect(text, text.slice(0, 3000)).to.contain('F3-kill-active #1');
    expect(text).to.contain('Category: Invariant violated');
    expect(text).to.contain('Invariant violated: I1');
    expect(text).to.match(/I1 failed at \+250 ms: no complete set for the key in effect \(\w+\) after cluster-key-2-deleted/);
    expect(text).to.contain(`"keyInEffect": "${world.oldSet.keyFp}"`); // the evidence
    expect(text).to.contain('timeline.svg');
    // the description (rendered into an iframe) carries the replay command and the picture
    const srcdoc = /<iframe[^>]*data-testid="test-result-description-frame"[^>]*srcdoc="([^"]*)"/.exec(dom);
    expect(srcdoc, 'description frame rendered').to.not.equal(null);
    const description = htmlUnescape(srcdoc![1]!);
    expect(description).to.contain(failedReplay());
    const img = /<img[^>]*src="data:image\/svg\+xml;base64,([^"]+)"/.exec(description);
    expect(img, 'timeline picture in the description').to.not.equal(null);
    const svg = Buffer.from(img![1]!, 'base64').toString('utf8');
    for (const lane of ['cluster-key', 'cluster-rekey', 'cluster-key-bk', 'key-in-effect', 'server:sva-vault-0']) expect(svg).to.contain(`data-lane="${lane}"`);
    expect(svg).to.contain('data-invariant="I1"');
  });

  it('leaves no shard, unseal key or root token in the results, run and report folders', () => {
    const findings = scanForSecrets([shardA, shardB, join(tmp.path, 'runs'), reportDir], world.secrets);
    // the run dir's log holds the planted leak (the runner's problem, caught here); the results and report must not
    expect(findings.every((f) => f.file.startsWith(join(tmp.path, 'runs'))), formatFindings(findings)).to.equal(true);
    expect(findings.map((f) => f.file)).to.deep.equal([join(tmp.path, 'runs', 'F3-kill-active-i1-failed-i1', 'logs', 'sva-vault-manager-0.log')]);
  });

  it('the scan does catch a shard that reaches a generated report', async () => {
    const leaky = join(tmp.path, 'leaky-results');
    writeResults(leaky, [makeRecord(world, 'passed', join(tmp.path, 'leaky'))]);
    // an attachment written past our writer (and past redact), as a careless component could
    const uuid = randomUUID();
    writeFileSync(join(leaky, `${uuid}-attachment.txt`), `keys: ${Buffer.from(world.newSet.shards[4]!).toString('hex')}\n`);
    const resultFile = join(leaky, `${uuid}-result.json`);
    writeFileSync(resultFile, JSON.stringify({ uuid, name: 'leak', fullName: 'leak', status: 'passed', stage: 'finished', labels: [], links: [], parameters: [], steps: [], statusDetails: {}, attachments: [{ name: 'leak', source: `${uuid}-attachment.txt`, type: 'text/plain' }], start: 1, stop: 2 }));
    const out = join(tmp.path, 'leaky-report');
    await generateHtmlReport({ resultsDirs: [leaky], outDir: out, singleFile: true });
    const findings = scanForSecrets([out], world.secrets);
    expect(findings.map((f) => `${f.secret} (${f.encoding})`)).to.include(`shard fp=${world.newSet.shardFps[4]} (hex inside base64)`);
  });

  it('`rekey-chaos report` rejects a results dir that does not exist with exit 2', async () => {
    expect(await main(['report', '--results', join(tmp.path, 'missing'), '--out', join(tmp.path, 'x'), '--no-history'])).to.equal(2);
    expect(existsSync(join(tmp.path, 'x'))).to.equal(false);
  });
});
