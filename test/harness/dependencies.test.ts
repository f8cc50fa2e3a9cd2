/**
 * The dependency rules of harness/ (docs/architecture.md, "Dependency rules"),
 * checked on the sources: who may import whom, and no import cycle anywhere,
 * static or through import().
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../common/repo-root.js';
import { importCycles, readImportGraph } from '../support/import-graph.js';

const SOURCE_FOLDERS = ['common', 'harness', 'matrix', 'cli', 'reports', 'bench', 'platform', 'manager'];

/** Inside harness/: the other harness folders each may import (common/ and matrix/ are open to all). */
const HARNESS_LAYERS: Record<string, string[]> = {
  'vault-client': [],
  invariants: [],
  observe: ['vault-client'],
  backends: ['vault-client'],
  faults: ['backends'],
  run: ['vault-client', 'invariants', 'observe', 'backends', 'faults'],
};

function folderOf(file: string): { top: string; layer?: string } {
  const [top, layer] = file.split('/');
  return top === 'harness' ? { top: top!, layer: layer! } : { top: top! };
}

/** Why an import breaks a rule, or undefined when it is allowed. */
function violation(from: string, to: string): string | undefined {
  const a = folderOf(from);
  const b = folderOf(to);
  if (a.top === 'common' && b.top !== 'common') return 'common/ imports only common/';
  if (a.top === 'matrix' && b.top !== 'common' && b.top !== 'matrix') return 'matrix/ imports only common/';
  if (a.top !== 'harness') return undefined;
  if (b.top === 'platform') return a.layer === 'backends' ? undefined : 'platform/ only from harness/backends/';
  if (b.top !== 'harness') return b.top === 'common' || b.top === 'matrix' ? undefined : `harness/ may not import ${b.top}/`;
  if (a.layer === b.layer) return undefined;
  const allowed = HARNESS_LAYERS[a.layer!];
  if (allowed === undefined) return undefined; // a harness folder without a row keeps only the rules above
  return allowed.includes(b.layer!) ? undefined : `harness/${a.layer} may import ${allowed.length ? allowed.map((l) => `harness/${l}`).join(', ') : 'no other harness folder'}`;
}

describe('harness dependency rules', () => {
  const graph = readImportGraph(REPO_ROOT, SOURCE_FOLDERS);

  it('reads a real graph (the rules below are not vacuous)', () => {
    expect(graph.edges.get('harness/run/runner.ts')).to.include('harness/run/deployed-cluster.ts');
    expect(graph.edges.get('harness/backends/embedded.ts')).to.include('platform/cluster.ts');
    expect(violation('harness/faults/x.ts', 'platform/cluster.ts')).to.be.a('string');
    expect(violation('harness/vault-client/x.ts', 'harness/observe/y.ts')).to.be.a('string');
    expect(violation('harness/backends/x.ts', 'harness/run/y.ts')).to.be.a('string');
    expect(violation('harness/run/x.ts', 'harness/faults/y.ts')).to.equal(undefined);
  });

  it('every import follows the folder rules', () => {
    const broken: string[] = [];
    for (const [from, targets] of graph.edges) for (const to of targets) {
      const why = violation(from, to);
      if (why) broken.push(`${from} → ${to}: ${why}`);
    }
    expect(broken).to.deep.equal([]);
  });

  it('no dynamic import hides its target behind a computed specifier', () => {
    expect(graph.computed).to.deep.equal([]);
  });

  it('no import cycles between files', () => {
    expect(importCycles(graph.edges)).to.deep.equal([]);
  });

  it('the reader follows import() and flags computed specifiers; the cycle finder finds the cycle', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rekey-chaos-deps-'));
    try {
      mkdirSync(path.join(dir, 'src'));
      writeFileSync(path.join(dir, 'src/a.ts'), "export async function f() { return import('./b.js'); }\n");
      writeFileSync(path.join(dir, 'src/b.ts'), "import { f } from './a.js';\nexport const g = f;\n");
      writeFileSync(path.join(dir, 'src/c.ts'), "const where = './a.js';\nexport const h = () => import(where);\n");
      const g = readImportGraph(dir, ['src']);
      expect(g.edges.get('src/a.ts')).to.deep.equal(['src/b.ts']);
      expect(g.computed).to.deep.equal(['src/c.ts: import(where)']);
      expect(importCycles(g.edges)).to.deep.equal([['src/a.ts', 'src/b.ts']]);
      expect(importCycles(new Map([['d.ts', ['d.ts']]]))).to.deep.equal([['d.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
