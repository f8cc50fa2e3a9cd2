/**
 * `rekey-chaos report --single-file`: what CI uploads must open by
 * double-click from a download folder, where a browser loads nothing but
 * the file itself (a multi-file report shows only a spinner from file://).
 * So the HTML references no other file: every script, style and font is
 * inline or a data: URI, the report's data is inside the page, and the
 * analytics Allure's template adds (a script from googletagmanager.com) are
 * gone.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { makeRecord, makeWorld } from './fixtures.js';
import { tempDir, writeResults } from './helpers.js';

/** Every src= / href= of an element that would make the browser fetch something (a file or a URL). */
function externalReferences(html: string): string[] {
  const refs = [...html.matchAll(/<[a-z][^>]*?\s(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!);
  return refs.filter((ref) => !/^(data:|#|about:|javascript:)/i.test(ref));
}

describe('reports: the single-file HTML report', function () {
  this.timeout(240_000); // allure generation on two shared cores: generous, never asserted
  let tmp: ReturnType<typeof tempDir>;
  let results: string;

  before(async () => {
    const world = await makeWorld();
    tmp = tempDir('single-file');
    results = join(tmp.path, 'allure-results');
    writeResults(results, [makeRecord(world, 'passed', tmp.path), makeRecord(world, 'failed-i1', tmp.path)]);
  });
  after(() => tmp.remove());

  const generate = async (out: string, ...extra: string[]) => {
    const code = await main(['report', '--results', results, '--out', out, '--no-history', ...extra]);
    expect(code).to.equal(0);
    return readFileSync(join(out, 'index.html'), 'utf8');
  };

  it('--single-file writes an index.html that loads no other file', async () => {
    const out = join(tmp.path, 'single');
    const html = await generate(out, '--single-file');
    expect(externalReferences(html), 'references to other files or URLs').to.deep.equal([]);
    expect(html).to.not.contain('googletagmanager');
    expect(html).to.not.contain('gtag(');
    expect(html).to.match(/<script[^>]*src="data:text\/javascript;base64,/);
    // scripts and results travel inside the page: far more than the bare template
    expect(html.length).to.be.greaterThan(100_000);
    // nothing else in the folder is needed to open it: no static assets were copied
    expect(readdirSync(out).filter((f) => /\.(js|css|woff2?)$/.test(f))).to.deep.equal([]);
  });

  it('without it the page loads scripts and styles from files beside it (what does not open from a download)', async () => {
    const html = await generate(join(tmp.path, 'multi'));
    expect(externalReferences(html).some((ref) => /\.(js|css)$/.test(ref))).to.equal(true);
  });
});
