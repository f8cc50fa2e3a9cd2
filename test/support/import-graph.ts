/**
 * The project's import graph, read from the sources with TypeScript's own
 * pre-processor: static imports, re-exports and `import('…')` with a literal
 * specifier. A dynamic import whose specifier is computed cannot be followed,
 * so it is reported as such (the dependency test refuses it: it hides an edge).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportGraph {
  /** repo-relative file → repo-relative files it imports (project files only) */
  edges: Map<string, string[]>;
  /** `file: import(<expression>)` for every dynamic import whose specifier is not a string literal */
  computed: string[];
}

function sourceFiles(root: string, dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(root, rel, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
}

export function readImportGraph(root: string, folders: string[]): ImportGraph {
  const files: string[] = [];
  for (const f of folders) if (fs.existsSync(path.join(root, f))) sourceFiles(root, f, files);
  const edges = new Map<string, string[]>();
  const computed: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const info = ts.preProcessFile(text, true, true);
    const targets = info.importedFiles
      .map((i) => i.fileName)
      .filter((s) => s.startsWith('.'))
      .map((s) => path.normalize(path.join(path.dirname(file), s)).replace(/\.js$/, '.ts'));
    edges.set(file, [...new Set(targets)]);
    for (const m of text.matchAll(/\bimport\(\s*([^'"`\s)][^)]*)\)/g)) computed.push(`${file}: import(${m[1]})`);
  }
  return { edges, computed };
}

/** Every cycle's files (strongly connected components of more than one file, or a file importing itself). */
export function importCycles(edges: Map<string, string[]>): string[][] {
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
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
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
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}
