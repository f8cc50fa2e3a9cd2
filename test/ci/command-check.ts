/**
 * Checks a shell command line from a CI file against what exists: a
 * `rekey-chaos` (or `npx rekey-chaos`) command against the CLI's own
 * commander program (subcommand, every option, option values with choices),
 * `npm run X` against package.json's scripts, `bash FILE` against the
 * checkout. Template expressions (`${{ … }}`, `{{ … }}`) are values here:
 * they are replaced by a placeholder before the line is split.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CommanderError, type Command } from 'commander';
import { buildProgram } from '../../cli/main.js';

export interface CheckedCommand {
  line: string;
  tool: 'rekey-chaos' | 'npm-run' | 'bash-script';
  /** rekey-chaos: the subcommand; npm run: the script; bash: the file */
  name: string;
  /** rekey-chaos: the options given, by their long name, with their values */
  options: Record<string, string | true>;
}

const PLACEHOLDER = 'TEMPLATED';

/** Splits a line as sh would for plain words, single and double quotes (no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word = (word ?? '') + ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} in: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** The logical lines of a script: continuations joined, comments dropped, `a && b` / `a; b` split. */
export function scriptCommands(script: string): string[] {
  const joined = script.replace(/\s*\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .flatMap((l) => l.split(/\s*(?:&&|\|\||;)\s*/))
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function untemplate(line: string): string {
  return line.replace(/\$\{\{[^}]*\}\}/g, PLACEHOLDER).replace(/\{\{[^}]*\}\}/g, PLACEHOLDER);
}

/** Parses `args` with the subcommand's own option definitions, running no action. */
function parseWithCli(sub: string, args: string[], line: string): Record<string, string | true> {
  const program = buildProgram();
  const command = program.commands.find((c: Command) => c.name() === sub || c.aliases().includes(sub));
  if (!command) throw new Error(`rekey-chaos has no command "${sub}": ${line}`);
  command.exitOverride();
  command.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  let parsed: { operands: string[]; unknown: string[] };
  try {
    parsed = command.parseOptions(args);
  } catch (err) {
    if (err instanceof CommanderError) throw new Error(`rekey-chaos ${sub}: ${err.message}: ${line}`);
    throw err;
  }
  if (parsed.unknown.length > 0) throw new Error(`rekey-chaos ${sub} has no option ${parsed.unknown[0]}: ${line}`);
  const expected = command.registeredArguments.filter((a) => a.required).length;
  if (parsed.operands.length < expected) throw new Error(`rekey-chaos ${sub} needs ${expected} argument(s): ${line}`);
  const options: Record<string, string | true> = {};
  for (const word of args) {
    if (!word.startsWith('--')) continue;
    const [flag, inline] = word.split('=', 2) as [string, string | undefined];
    const option = command.options.find((o) => o.long === flag);
    if (!option) continue;
    if (option.required || option.optional) {
      const value = inline ?? args[args.indexOf(word) + 1];
      options[flag] = value ?? true;
    } else options[flag] = true;
  }
  return options;
}

export function checkCommand(rawLine: string, repoRoot: string): CheckedCommand | undefined {
  const words = shellWords(untemplate(rawLine));
  let i = 0;
  while (i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!)) i++; // leading VAR=value assignments
  const rest = words.slice(i);
  if (rest[0] === 'npx' && rest[1] === 'rekey-chaos') rest.splice(0, 1);
  if (rest[0] === 'rekey-chaos') {
    const sub = rest[1];
    if (sub === undefined) throw new Error(`rekey-chaos without a command: ${rawLine}`);
    return { line: rawLine, tool: 'rekey-chaos', name: sub, options: parseWithCli(sub, rest.slice(2), rawLine) };
  }
  if (rest[0] === 'npm' && rest[1] === 'run') {
    const script = rest[2];
    const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    if (script === undefined || !(script in scripts)) throw new Error(`package.json has no script "${script ?? ''}": ${rawLine}`);
    return { line: rawLine, tool: 'npm-run', name: script, options: {} };
  }
  if (rest[0] === 'bash' && rest[1] !== undefined && !rest[1].startsWith('-')) {
    if (!existsSync(path.join(repoRoot, rest[1]))) throw new Error(`no file ${rest[1]} in the checkout: ${rawLine}`);
    return { line: rawLine, tool: 'bash-script', name: rest[1], options: {} };
  }
  return undefined;
}

export const TEMPLATE_PLACEHOLDER = PLACEHOLDER;
