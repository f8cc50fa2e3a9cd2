/**
 * The checker is independent of what it checks: nothing under harness/
 * imports the manager, and the harness reads stored shards with its own
 * strict reader (common/strict-shard.ts), never the manager's lenient
 * parseShard; the manager, in turn, does not use the harness's reader.
 * Read as text, like a grep, so a type-only or dynamic import counts too.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../common/repo-root.js';

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...tsFiles(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** Relative import specifiers of a file, resolved to repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g)].map((m) => path.posix.normalize(path.posix.join(path.posix.dirname(file), m[2]!)));
}

/** Files that import `name` from the given module (a named import of that module). */
function importingName(files: string[], modulePath: string, name: string): string[] {
  return files.filter((f) => {
    const text = readFileSync(path.join(REPO_ROOT, f), 'utf8');
    const re = new RegExp(`import\\s*(?:type\\s*)?\\{([^}]*)\\}\\s*from\\s*['"]([^'"]+)['"]`, 'g');
    return [...text.matchAll(re)].some((m) => path.posix.normalize(path.posix.join(path.posix.dirname(f), m[2]!)).replace(/\.js$/, '') === modulePath && m[1]!.split(',').some((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0] === name));
  });
}

describe('the checker does not reuse the manager', () => {
  it('no file under harness/ imports anything under manager/', () => {
    const offenders = tsFiles('harness').flatMap((f) => importsOf(f).filter((to) => to.startsWith('manager/')).map((to) => `${f} imports ${to}`));
    expect(offenders).to.deep.equal([]);
  });

  it("the invariants, observers and Vault client do not read shards with the manager's lenient parseShard", () => {
    const files = ['harness/invariants', 'harness/observe', 'harness/vault-client'].flatMap(tsFiles);
    expect(importingName(files, 'common/secrets', 'parseShard')).to.deep.equal([]);
    expect(importingName(['common/set-snapshot.ts'], 'common/strict-shard', 'parseShardStrict')).to.deep.equal(['common/set-snapshot.ts']);
  });

  it("the manager does not use the harness's strict reader", () => {
    expect(tsFiles('manager').flatMap((f) => importsOf(f).filter((to) => to.startsWith('common/strict-shard')))).to.deep.equal([]);
  });

  it('the name check does find a named import (it is not vacuous)', () => {
    expect(importingName(['manager/sets.ts'], 'common/secrets', 'parseShard')).to.deep.equal(['manager/sets.ts']);
  });
});
