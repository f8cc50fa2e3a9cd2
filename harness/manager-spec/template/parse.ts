/**
 * Builds the tree of a template in the supported subset: text, printed
 * pipelines and if/else/end. Every other action keyword, function or
 * operand is an UnsupportedTemplateError naming it, at parse time, so a
 * chart fails the same way whichever branch its values take.
 */
import { TemplateRenderError, UnsupportedTemplateError } from '../errors.js';
import { lexTemplate, tokenizeAction, type Token } from './lex.js';

export const SUPPORTED_FUNCTIONS = ['toYaml', 'nindent', 'indent', 'quote', 'default', 'tpl'] as const;
export type FunctionName = (typeof SUPPORTED_FUNCTIONS)[number];

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

export type Operand =
  | { k: 'field'; path: string[] }
  | { k: 'literal'; value: string | number | bigint | boolean | null }
  | { k: 'func'; name: FunctionName };

export interface Command {
  operands: Operand[];
}

export interface Pipeline {
  commands: Command[];
  line: number;
}

export type Node =
  | { k: 'text'; text: string }
  | { k: 'print'; pipe: Pipeline }
  | { k: 'if'; cond: Pipeline; then: Node[]; else: Node[]; line: number };

function operandOf(token: Token, file: string, line: number): Operand {
  switch (token.t) {
    case 'field':
      return { k: 'field', path: token.path };
    case 'string':
    case 'number':
      return { k: 'literal', value: token.value };
    case 'pipe':
      throw new TemplateRenderError(file, line, 'missing command in a pipeline');
    case 'ident': {
      if (token.name === 'true' || token.name === 'false') return { k: 'literal', value: token.name === 'true' };
      if (token.name === 'nil') return { k: 'literal', value: null };
      if (KEYWORDS.has(token.name)) throw new UnsupportedTemplateError(file, line, token.name);
      if ((SUPPORTED_FUNCTIONS as readonly string[]).includes(token.name)) return { k: 'func', name: token.name as FunctionName };
      throw new UnsupportedTemplateError(file, line, `function ${token.name}`);
    }
  }
}

export function parsePipeline(tokens: Token[], file: string, line: number): Pipeline {
  const commands: Command[] = [];
  let current: Operand[] = [];
  for (const token of tokens) {
    if (token.t === 'pipe') {
      if (current.length === 0) throw new TemplateRenderError(file, line, 'missing command in a pipeline');
      commands.push({ operands: current });
      current = [];
    } else {
      current.push(operandOf(token, file, line));
    }
  }
  if (current.length === 0) throw new TemplateRenderError(file, line, commands.length === 0 ? 'missing value for command' : 'missing command in a pipeline');
  commands.push({ operands: current });
  return { commands, line };
}

interface Frame {
  nodes: Node[];
  ifNode?: Extract<Node, { k: 'if' }>;
  inElse: boolean;
}

export function parseTemplate(src: string, file: string): Node[] {
  const root: Frame = { nodes: [], inElse: false };
  const stack: Frame[] = [root];
  const top = () => stack[stack.length - 1]!;
  for (const item of lexTemplate(src, file)) {
    if (item.type === 'comment') continue;
    if (item.type === 'text') {
      top().nodes.push({ k: 'text', text: item.text });
      continue;
    }
    const tokens = tokenizeAction(item.body, file, item.line);
    const first = tokens[0];
    if (first === undefined) throw new TemplateRenderError(file, item.line, 'missing value for command');
    const keyword = first.t === 'ident' && KEYWORDS.has(first.name) ? first.name : undefined;
    if (keyword === 'if') {
      const node: Extract<Node, { k: 'if' }> = { k: 'if', cond: parsePipeline(tokens.slice(1), file, item.line), then: [], else: [], line: item.line };
      top().nodes.push(node);
      stack.push({ nodes: node.then, ifNode: node, inElse: false });
    } else if (keyword === 'else') {
      const frame = top();
      if (!frame.ifNode || frame.inElse) throw new TemplateRenderError(file, item.line, 'unexpected {{else}}');
      if (tokens.length > 1) throw new UnsupportedTemplateError(file, item.line, tokens[1]!.t === 'ident' ? `else ${tokens[1]!.name}` : 'else with a pipeline');
      frame.inElse = true;
      frame.nodes = frame.ifNode.else;
    } else if (keyword === 'end') {
      if (stack.length === 1) throw new TemplateRenderError(file, item.line, 'unexpected {{end}}');
      if (tokens.length > 1) throw new TemplateRenderError(file, item.line, 'unexpected operand after end');
      stack.pop();
    } else if (keyword !== undefined) {
      throw new UnsupportedTemplateError(file, item.line, keyword);
    } else {
      top().nodes.push({ k: 'print', pipe: parsePipeline(tokens, file, item.line) });
    }
  }
  if (stack.length > 1) throw new TemplateRenderError(file, top().ifNode!.line, 'unexpected EOF: {{if}} without {{end}}');
  return root.nodes;
}
