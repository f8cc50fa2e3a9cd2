/**
 * The dependency rules of docs/architecture.md hold for the whole tree, and
 * the checker behind them does fail: on a scratch tree with a planted bad
 * import and a planted cycle.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../common/repo-root.js';
import { allowed, importCycles, importEdges, layerOf, RULES, ruleViolations } from './import-rules.js';

function scratchTree(files: Record<string, string>): { root: string; remove(): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'import-rules-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

describe('architecture: dependency rules', function () {
  it('every top-level folder with TypeScript has a rule', () => {
    const { files } = importEdges(REPO_ROOT);
    const layers = new Set(files.map(layerOf));
    const missing = [...layers].filter((l) => RULES[l] === undefined);
    expect(missing, 'layers without a rule in test/architecture/import-rules.ts').to.deep.equal([]);
  });

  it('no import breaks a rule', () => {
    const { edges } = importEdges(REPO_ROOT);
    expect(ruleViolations(edges)).to.deep.equal([]);
  });

  it('no import cycle between files', () => {
    const { files, edges } = importEdges(REPO_ROOT);
    expect(importCycles(files, edges)).to.deep.equal([]);
  });

  it('fails on a planted bad import, naming file, line and rule', () => {
    const tree = scratchTree({
      'common/a.ts': "export const a = 1;\n",
      'manager/m.ts': "import { a } from '../common/a.js';\nimport { h } from '../harness/run/h.js';\nexport const m = a + h;\n",
      'harness/run/h.ts': "export const h = 2;\n",
      'platform/p.ts': "export const p = () => import('../matrix/x.js');\n",
      'matrix/x.ts': "export const x = 3;\n",
    });
    try {
      expect(ruleViolations(importEdges(tree.root).edges)).to.deep.equal([
        'manager/m.ts:2 imports harness/run/h.ts (manager/ may not import harness/run/)',
        'platform/p.ts:1 imports matrix/x.ts (platform/ may not import matrix/)',
      ]);
    } finally {
      tree.remove();
    }
  });

  it('fails on a planted cycle, including one through a dynamic import (a type-only cycle is erased, so it is not one)', () => {
    const tree = scratchTree({
      'harness/run/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'harness/run/b.ts': "export const b = async () => (await import('./a.js')).a;\n",
      'harness/run/c.ts': "import { a } from './a.js';\nexport const c = a;\n",
      'harness/run/t1.ts': "import type { T2 } from './t2.js';\nexport type T1 = T2 | 1;\n",
      'harness/run/t2.ts': "import type { T1 } from './t1.js';\nexport type T2 = T1 | 2;\n",
    });
    try {
      const { files, edges } = importEdges(tree.root);
      expect(importCycles(files, edges)).to.deep.equal([['harness/run/a.ts', 'harness/run/b.ts']]);
    } finally {
      tree.remove();
    }
  });

  it('reads the rules as the table says', () => {
    expect(allowed('harness/backends', 'platform')).to.equal(true);
    expect(allowed('harness/run', 'platform')).to.equal(false);
    expect(allowed('cli', 'bench')).to.equal(false);
    expect(allowed('bench', 'cli')).to.equal(true);
    expect(allowed('common', 'platform')).to.equal(false);
  });
});
