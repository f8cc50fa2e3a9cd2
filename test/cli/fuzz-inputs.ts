/**
 * Generators of hostile command lines for the CLI property test
 * (cli-fuzz.unit.test.ts), built from the commands' own commander
 * definitions so a new option is fuzzed without anyone listing it here.
 *
 * Nothing generated may start a cluster or write outside the test's temp
 * folder: `run`, `replay` and `explore` always carry `--dry-run`; `cluster
 * up` always carries one value no check lets through; report never gets a
 * folder holding Allure results (so it never reaches the generator).
 */
import fc from 'fast-check';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../cli/main.js';

export interface CommandShape {
  /** e.g. ['cluster', 'up'] */
  path: string[];
  options: { flag: string; takesValue: boolean }[];
  /** positional arguments it declares */
  args: number;
}

/** Every leaf command of the real program with its long options, as commander knows them. */
export function commandShapes(): CommandShape[] {
  const shapes: CommandShape[] = [];
  const walk = (cmd: Command, path: string[]) => {
    if (cmd.commands.length > 0) {
      for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
      return;
    }
    const options = (cmd.options as readonly Option[])
      .filter((o) => o.long !== undefined)
      .map((o) => ({ flag: o.long!, takesValue: o.required || o.optional }));
    shapes.push({ path, options, args: cmd.registeredArguments.length });
  };
  walk(buildProgram(), []);
  return shapes;
}

/** The fixture paths of one test run (made by the test in its temp folder). */
export interface FuzzPlaces {
  tmp: string;
  file: string;
  emptyDir: string;
  missing: string;
  underFile: string;
}

export function pathValues(p: FuzzPlaces): fc.Arbitrary<string> {
  return fc.constantFrom(p.file, p.emptyDir, p.missing, p.underFile, 'relative/dir', '.', '/proc/x', '/proc/self/status', '/proc/self/x', '/dev/null', '/dev/zero', '/sys/x', '/proc');
}

const numberValues = fc.constantFrom('-1', '0', '1', '2', '3', '7', '21', '256', '10001', '1000000', '99999999', '1e6', '9007199254740993', '1e308', '-1e308', 'NaN', 'Infinity', '1.5', '0x10', '-0', ' 2 ', '0.0001', '0.02', '100.5');

const wordValues = fc.constantFrom(
  '', ' ', 'reference', 'evil', 'nope', 'kind', 'embedded', 'kubeconfig', 'F1', 'F3', 'F11', 'quick', 'standard', 'milestones',
  '127.70.0', '127.255.255', '127.256.0', '127.250.0', '10.0.0', '1/2', '0/0', '2/1', '1/0', 'chart:/nonexistent', 'chart:', 'script:/nonexistent',
  'no-readback-of-stored-shards', '1.15.0', 'x.y.z', '--dry-run', '-h', '%ZZ', '../../etc/passwd',
);

export function optionValue(places: FuzzPlaces): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: numberValues },
    { weight: 3, arbitrary: wordValues },
    { weight: 3, arbitrary: pathValues(places) },
    { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom(`chart:${places.emptyDir}`, `chart:${places.file}`) },
  );
}

/** Values an option's name suggests it parses (paths for folders and files, numbers for counts), mixed with anything. */
function valueFor(flag: string, places: FuzzPlaces): fc.Arbitrary<string> {
  const likely = /dir|out|results|history|scenario|file/.test(flag)
    ? pathValues(places)
    : /iterations|runs|seed|parallel|faults|budget|timescale|shard/.test(flag)
      ? numberValues
      : wordValues;
  return fc.oneof({ weight: 3, arbitrary: likely }, { weight: 1, arbitrary: optionValue(places) });
}

/** Options no command defines (including near misses of real ones). */
const unknownOption = fc.oneof(
  fc.constantFrom('--nope', '--dryrun', '--out-dirr', '--iteration', '-x', '--', '---', '--=1', '--seed='),
  fc.stringMatching(/^--[a-z][a-z-]{0,12}$/),
);

/** One option occurrence: a known one with a value (when it takes one), or an unknown one. */
function optionTokens(shape: CommandShape, places: FuzzPlaces): fc.Arbitrary<string[]> {
  const known: fc.Arbitrary<string[]> =
    shape.options.length === 0
      ? fc.constant([])
      : fc.constantFrom(...shape.options).chain((o): fc.Arbitrary<string[]> => (o.takesValue ? valueFor(o.flag, places).map((v) => [o.flag, v]) : fc.constant([o.flag])));
  return fc.oneof({ weight: 6, arbitrary: known }, { weight: 1, arbitrary: unknownOption.map((u): string[] => [u]) });
}

/** Guards that keep a generated line from starting anything (see the module comment). */
const RUNS_ITERATIONS = new Set(['run', 'replay', 'explore']);
const NEVER_VALID_FOR_UP: fc.Arbitrary<string[]> = fc.constantFrom<string[]>(['--defect', 'no-such-defect'], ['--ip-base', '10.0.0'], ['--no-such-option'], ['--ip-base', '127.256.0']);

/** A whole command line for `shape`: its path, random options and arguments, and its guard. */
export function commandLine(shape: CommandShape, places: FuzzPlaces, positional: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  const options = fc.array(optionTokens(shape, places), { maxLength: 5 }).map((xs) => xs.flat());
  const args = fc.array(positional, { minLength: 0, maxLength: shape.args + 1 });
  const name = shape.path.join(' ');
  const guard: fc.Arbitrary<string[]> =
    name === 'cluster up' ? NEVER_VALID_FOR_UP : RUNS_ITERATIONS.has(name) ? fc.constant<string[]>(['--dry-run']) : fc.constant<string[]>([]);
  return fc.tuple(options, args, guard).map(([o, a, g]) => [...shape.path, ...a, ...o, ...g]);
}

/** A valid replay token, then a few random edits of it. */
export const VALID_TOKEN = 'F3:2:seed=2120:ts=0.02:backend=embedded:manager=reference';

export function mutatedToken(places: FuzzPlaces): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(':', '=', '%', '%3', '%ZZ', ':seed=1', ':file=', ':defect=nope', ':ts=0', ':iteration=1', '999999')) }),
    fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom('seed', 'ts', 'backend', 'manager', 'defect', 'file', 'zzz'), value: optionValue(places) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) =>
    edits.reduce((token, e) => {
      if (e.kind === 'delete') {
        const at = e.at % (token.length + 1);
        return token.slice(0, at) + token.slice(at + e.len);
      }
      if (e.kind === 'insert') {
        const at = e.at % (token.length + 1);
        return token.slice(0, at) + e.text + token.slice(at);
      }
      return `${token}:${e.key}=${encodeURIComponent(e.value)}`;
    }, VALID_TOKEN),
  );
}

/** Bytes a scenario or record file is filled with: noise, or a real document with a few bytes changed. */
export function mutatedText(valid: string): fc.Arbitrary<Uint8Array> {
  const noise = fc.uint8Array({ maxLength: 400 });
  const text = fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => new TextEncoder().encode(s));
  const validBytes = new TextEncoder().encode(valid);
  const edited = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
    const out = Uint8Array.from(validBytes);
    for (const [at, byte] of edits) out[at % out.length] = byte;
    return out;
  });
  return fc.oneof(noise, text, edited);
}

/** A JSON document with one value somewhere inside replaced (or removed): records that parse but lie about their shape. */
export function mutatedJson(valid: unknown): fc.Arbitrary<string> {
  const replacement = fc.oneof(
    fc.constantFrom(null, 0, -1, 1e308, '', 'x', true, [], {}, [null], { t: 'x' }),
    fc.constant(undefined),
  );
  return fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), replacement), { minLength: 1, maxLength: 4 }).map((edits) => {
    const doc = structuredClone(valid) as Record<string, unknown>;
    for (const [route, value] of edits) {
      let node: unknown = doc;
      for (const [depth, step] of route.entries()) {
        if (typeof node !== 'object' || node === null) break;
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const key = keys[step % keys.length]!;
        if (depth === route.length - 1 || typeof (node as Record<string, unknown>)[key] !== 'object') {
          if (value === undefined) delete (node as Record<string, unknown>)[key];
          else (node as Record<string, unknown>)[key] = structuredClone(value); // a shared constant, inserted twice, could become a cycle
          break;
        }
        node = (node as Record<string, unknown>)[key];
      }
    }
    return JSON.stringify(doc);
  });
}
