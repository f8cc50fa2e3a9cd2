/**
 * Executes a parsed template against Helm's top-level object
 * (`.Values`, `.Release`, `.Chart`), with the functions of the subset.
 * `.` is always that object: the subset has no range/with to move it.
 */
import { TemplateRenderError, UnsupportedTemplateError } from '../errors.js';
import { goPrint, goQuote, goTypeName, isMap, isTrue, toYaml, type GoValue } from './go-values.js';
import { parseTemplate, type Command, type Node, type Operand, type Pipeline } from './parse.js';

export interface ReleaseInfo {
  Name: string;
  Namespace: string;
  Service: string;
  IsInstall: boolean;
  IsUpgrade: boolean;
  Revision: number;
}

export interface ChartInfo {
  Name: string;
  Version: string;
  AppVersion?: string;
  Description?: string;
  APIVersion?: string;
  Type?: string;
}

export interface TopLevel {
  Values: Record<string, unknown>;
  Release: ReleaseInfo;
  Chart: ChartInfo;
}

const RELEASE_FIELDS = new Set(['Name', 'Namespace', 'Service', 'IsInstall', 'IsUpgrade', 'Revision']);
const CHART_FIELDS = new Set(['Name', 'Version', 'AppVersion', 'Description', 'APIVersion', 'Type']);

class Executor {
  constructor(
    private readonly top: TopLevel,
    private readonly file: string,
  ) {}

  private fail(line: number, problem: string): never {
    throw new TemplateRenderError(this.file, line, problem);
  }

  private field(path: string[], line: number): GoValue {
    if (path.length === 0) return this.top;
    const [head, ...rest] = path as [string, ...string[]];
    const text = `.${path.join('.')}`;
    if (head === 'Release' || head === 'Chart') {
      const allowed = head === 'Release' ? RELEASE_FIELDS : CHART_FIELDS;
      if (rest.length === 0) return this.top[head];
      if (rest.length > 1 || !allowed.has(rest[0]!)) throw new UnsupportedTemplateError(this.file, line, `field ${text}`);
      return (this.top[head] as unknown as Record<string, unknown>)[rest[0]!] ?? '';
    }
    if (head !== 'Values') throw new UnsupportedTemplateError(this.file, line, `field .${head}`);
    let at: GoValue = this.top.Values;
    for (const key of rest) {
      if (at === null || at === undefined) this.fail(line, `nil pointer evaluating interface {}.${key} (in ${text})`);
      if (!isMap(at)) this.fail(line, `can't evaluate field ${key} in type ${goTypeName(at)} (in ${text})`);
      at = at[key];
    }
    return at;
  }

  private operand(op: Operand, line: number): GoValue {
    if (op.k === 'field') return this.field(op.path, line);
    if (op.k === 'literal') return op.value;
    return this.call(op.name, [], line);
  }

  private intArg(name: string, v: GoValue, line: number): number {
    if (typeof v === 'bigint') return Number(v);
    return this.fail(line, `${name}: wrong type for value; expected int; got ${goTypeName(v)}`);
  }

  private stringArg(name: string, v: GoValue, line: number): string {
    if (typeof v === 'string') return v;
    return this.fail(line, `${name}: wrong type for value; expected string; got ${goTypeName(v)}`);
  }

  private arity(name: string, args: GoValue[], want: number, line: number): void {
    if (args.length !== want) this.fail(line, `wrong number of args for ${name}: want ${want} got ${args.length}`);
  }

  private call(name: string, args: GoValue[], line: number): GoValue {
    switch (name) {
      case 'toYaml':
        this.arity(name, args, 1, line);
        return toYaml(args[0]);
      case 'indent':
      case 'nindent': {
        this.arity(name, args, 2, line);
        const pad = ' '.repeat(this.intArg(name, args[0], line));
        const text = pad + this.stringArg(name, args[1], line).replaceAll('\n', `\n${pad}`);
        return name === 'nindent' ? `\n${text}` : text;
      }
      case 'quote':
        return args.filter((a) => a !== null && a !== undefined).map((a) => goQuote(goPrint(a))).join(' ');
      case 'default':
        if (args.length < 1) this.fail(line, 'wrong number of args for default: want at least 1 got 0');
        if (args.length > 2) this.fail(line, `wrong number of args for default: want at most 2 got ${args.length}`);
        return args.length === 1 || !isTrue(args[1]) ? args[0] : args[1];
      case 'tpl': {
        this.arity(name, args, 2, line);
        const text = this.stringArg(name, args[0], line);
        if (args[1] !== this.top) throw new UnsupportedTemplateError(this.file, line, 'tpl with a context other than .');
        return renderTemplate(text, `${this.file}:${line} (tpl)`, this.top);
      }
    }
    throw new UnsupportedTemplateError(this.file, line, `function ${name}`);
  }

  private command(cmd: Command, piped: GoValue[], line: number): GoValue {
    const [first, ...rest] = cmd.operands as [Operand, ...Operand[]];
    if (first.k !== 'func') {
      // Evaluated first, so an unsupported field (`.Files.Get "x"`) is named as such.
      const value = this.operand(first, line);
      if (rest.length > 0 || piped.length > 0) this.fail(line, `can't give argument to non-function ${first.k === 'field' ? `.${first.path.join('.')}` : goPrint(first.value)}`);
      return value;
    }
    const args = rest.map((op) => this.operand(op, line));
    return this.call(first.name, [...args, ...piped], line);
  }

  pipeline(pipe: Pipeline): GoValue {
    let value: GoValue[] = [];
    for (const cmd of pipe.commands) value = [this.command(cmd, value, pipe.line)];
    return value[0];
  }

  nodes(list: Node[]): string {
    let out = '';
    for (const node of list) {
      if (node.k === 'text') out += node.text;
      else if (node.k === 'print') out += goPrint(this.pipeline(node.pipe));
      else out += this.nodes(isTrue(this.pipeline(node.cond)) ? node.then : node.else);
    }
    return out;
  }
}

/** Renders one template's text; `file` names it in errors. */
export function renderTemplate(src: string, file: string, top: TopLevel): string {
  return new Executor(top, file).nodes(parseTemplate(src, file));
}
