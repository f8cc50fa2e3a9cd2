/**
 * Reading a YAML scenario file with every value tied to its source line, so
 * that each validation error can say `file:line: field: what is wrong`.
 * Only structural access lives here; what the fields mean is schema.ts.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { ScenarioError } from '../common/errors.js';

/** A value found in the file with the line it sits on and the dotted field path that reached it. */
export interface Located {
  node: unknown; // a yaml Node (Scalar, YAMLMap, YAMLSeq) or null for an empty value
  line: number;
  field: string;
}

export class YamlSource {
  readonly root: Located;

  private constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    contents: unknown,
  ) {
    this.root = { node: contents, line: this.lineOf(contents, 1), field: '(document)' };
  }

  /** Parses the text; a syntax error becomes a ScenarioError naming its line. */
  static parse(file: string, text: string): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const line = first.linePos?.[0]?.line ?? 1;
      const problem = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ScenarioError(file, line, 'yaml', `syntax error: ${problem}`);
    }
    return new YamlSource(file, lines, doc.contents);
  }

  lineOf(node: unknown, fallback: number): number {
    const range = (node as Node | null)?.range;
    return range ? this.lines.linePos(range[0]).line : fallback;
  }

  fail(at: Located, problem: string): never {
    throw new ScenarioError(this.file, at.line, at.field, problem);
  }

  /**
   * The entries of a mapping, keyed by name. Keys outside `allowed` are
   * rejected on the key's own line, so a misspelt field is never silently ignored.
   */
  mapping(at: Located, allowed: readonly string[]): Map<string, Located> {
    if (!isMap(at.node)) this.fail(at, `must be a mapping, got ${describe(at.node)}`);
    const out = new Map<string, Located>();
    for (const pair of at.node.items as Pair[]) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      const keyLine = this.lineOf(keyNode, at.line);
      if (typeof key !== 'string') this.fail({ ...at, line: keyLine }, `keys must be strings, got ${describe(keyNode)}`);
      const field = at.field === '(document)' ? key : `${at.field}.${key}`;
      if (!allowed.includes(key)) {
        this.fail({ node: keyNode, line: keyLine, field }, `unknown key (allowed: ${allowed.join(', ')})`);
      }
      out.set(key, { node: pair.value ?? null, line: this.lineOf(pair.value, keyLine), field });
    }
    return out;
  }

  /** The items of a sequence, each located. */
  sequence(at: Located): Located[] {
    if (!isSeq(at.node)) this.fail(at, `must be a list, got ${describe(at.node)}`);
    return at.node.items.map((item, i) => ({ node: item, line: this.lineOf(item, at.line), field: `${at.field}[${i}]` }));
  }

  /** The plain value of a scalar (string, number, boolean, null). */
  scalar(at: Located): unknown {
    if (at.node === null) return null;
    if (!isScalar(at.node)) this.fail(at, `must be a single value, got ${describe(at.node)}`);
    return at.node.value;
  }

  isMapping(at: Located): boolean {
    return isMap(at.node);
  }
}

export function describe(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing';
    // A long or multi-line text is not quoted back: the file may not be a scenario at all (or not the user's).
    if (typeof v === 'string') return v.length > 40 || v.includes('\n') ? `a text of ${v.length} characters` : `"${v}"`;
    return String(v);
  }
  return 'an unsupported value';
}
