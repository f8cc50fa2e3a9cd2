/**
 * The dependency rules of docs/architecture.md as data, and a checker that
 * reads every TypeScript file's relative imports (static, `export … from`
 * and dynamic `import()`) and reports each import that breaks a rule and
 * each import cycle between files. It reads text only, so it can be pointed
 * at a scratch tree to prove that it fails on a planted bad import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A layer is a top-level folder, or `harness/<part>` inside harness/. */
export type Layer = string;

/** Which layers each layer may import (itself always allowed). `*` = any layer except those listed under `except`. */
export interface LayerRule {
  may: readonly Layer[] | '*';
  except?: readonly Layer[];
}

const HARNESS_PARTS = ['backends', 'faults', 'invariants', 'manager-spec', 'observe', 'run', 'vault-client'] as const;

export const RULES: Readonly<Record<Layer, LayerRule>> = {
  common: { may: [] },
  platform: { may: ['common'] },
  manager: { may: ['common'] },
  matrix: { may: ['common'] },
  reports: { may: ['common'] },
  'harness/vault-client': { may: ['common'] },
  'harness/invariants': { may: ['common'] },
  'harness/manager-spec': { may: ['common'] },
  'harness/observe': { may: ['common', 'matrix', 'harness/vault-client'] },
  'harness/backends': { may: ['common', 'matrix', 'platform', 'harness/vault-client', 'harness/manager-spec'] },
  'harness/faults': { may: ['common', 'matrix', 'harness/backends'] },
  'harness/run': { may: ['common', 'matrix', ...HARNESS_PARTS.map((p) => `harness/${p}`)] },
  cli: { may: '*', except: ['test', 'bench'] },
  bench: { may: '*', except: ['test'] },
  test: { may: '*' },
};

export function layerOf(relativePath: string): Layer {
  const parts = relativePath.split('/');
  if (parts[0] === 'harness' && parts.length > 2) return `harness/${parts[1]}`;
  return parts[0]!;
}

export function allowed(from: Layer, to: Layer): boolean {
  if (from === to) return true;
  const rule = RULES[from];
  if (!rule) return false;
  if (rule.may === '*') return !(rule.except ?? []).includes(to);
  return rule.may.includes(to);
}

export interface ImportEdge {
  from: string;
  to: string;
  line: number;
  /** `import type … from` / `export type … from`: erased at compile time, so no runtime edge */
  typeOnly: boolean;
}

const TYPE_ONLY_RE = /\b(?:import|export)\s+type\s[^;]*?from\s*(['"])(\.{1,2}\/[^'"]+)\1/g;
const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

function sourceFiles(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'out') continue;
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (/\.ts$/.test(entry.name)) out.push(rel);
  }
  return out;
}

/** Every relative import of every .ts file under `root`, resolved to repo-relative .ts paths. */
export function importEdges(root: string): { files: string[]; edges: ImportEdge[] } {
  const files = sourceFiles(root);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = readFileSync(path.join(root, from), 'utf8');
    const typeOnlyEnds = new Set([...text.matchAll(TYPE_ONLY_RE)].map((m) => m.index! + m[0].length));
    for (const m of text.matchAll(IMPORT_RE)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), m[2]!)).replace(/\.js$/, '.ts');
      const line = text.slice(0, m.index).split('\n').length;
      edges.push({ from, to: target, line, typeOnly: typeOnlyEnds.has(m.index! + m[0].length) });
    }
  }
  return { files, edges };
}

/** Imports that break the layer rules, as `file:line imports target (A may not import B)`. */
export function ruleViolations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    if (!allowed(from, to)) out.push(`${e.from}:${e.line} imports ${e.to} (${from}/ may not import ${to}/)`);
  }
  return out;
}

/**
 * Import cycles between files at run time (Tarjan's strongly connected components of size > 1, or a
 * self-import). Type-only imports are left out: they are erased, so they order no module loading.
 */
export function importCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (!e.typeOnly) next.get(e.from)?.push(e.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!next.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}
