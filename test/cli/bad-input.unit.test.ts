/**
 * Bad input is refused before anything starts or is written: one line, exit
 * 2, no stack trace, nothing created (through `main()` in process; the unit
 * lane's guard also proves no process is spawned on the way).
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runMain } from './cli-helpers.js';

describe('cli: bad input is refused before anything starts', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-bad-input-'));
    file = path.join(dir, 'a-file');
    writeFileSync(file, 'not a folder\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const token = (rest: string) => `F3:${rest}:seed=2120:ts=0.02:backend=embedded:manager=reference`;
  // $DIR and $FILE stand for the test's folder and a file in it (made in beforeEach).
  const cases: Array<[string, string[], RegExp]> = [
    ['cluster up with an unknown defect', ['cluster', 'up', '--defect', 'nope', '--state-dir', '$DIR/state', '--ip-base', '127.71.0'], /unknown defect "nope"/],
    ['run --out naming a file', ['run', '--family', 'F1', '--iterations', '1', '--out', '$FILE', '--state-dir', '$DIR/state'], /--out .*a-file: is a file, not a folder/],
    ['run --out under a file', ['run', '--family', 'F1', '--iterations', '1', '--out', '$FILE/x', '--dry-run'], /--out .*: .*a-file is a file, not a folder/],
    ['report --out naming a file', ['report', '--out', '$FILE', '--results', '$DIR'], /--out .*a-file: is a file, not a folder/],
    ['report --results naming a file', ['report', '--results', '$FILE', '--out', '$DIR/report'], /results dir .*a-file is a file, not a folder/],
    ['report --history in a folder that does not exist', ['report', '--history', '$DIR/no/h.jsonl', '--results', '$DIR', '--out', '$DIR/report'], /--history .*the folder .*no does not exist/],
    ['replay of a token naming an iteration whose fault falls after the timeout', ['replay', '--dry-run', token('999999')], /F3 iteration 999999 would inject its fault at .* after the iteration's .* timeout/],
    ['replay with a manager that is no spec', ['replay', '--dry-run', 'F3:2:seed=2120:ts=0.02:backend=embedded:manager=evil'], /--manager must be reference, chart:/],
    // Kernel and device folders: root passes every permission check there, and a recursive mkdir under /proc spins forever.
    ['run --out under /proc (hung at full CPU)', ['run', '--family', 'F1', '--iterations', '1', '--out', '/proc/x', '--state-dir', '$DIR/state'], /^rekey-chaos: --out \/proc\/x: \/proc lies in \/proc/],
    ['run --out under /proc/self', ['run', '--family', 'F1', '--iterations', '1', '--out', '/proc/self/x', '--state-dir', '$DIR/state'], /^rekey-chaos: --out \/proc\/self\/x: \/proc\/\d+ lies in \/proc/],
    ['run --out /dev/null', ['run', '--family', 'F1', '--iterations', '1', '--out', '/dev/null', '--state-dir', '$DIR/state'], /--out \/dev\/null: is a file, not a folder/],
    ['run --out in a new folder under /dev', ['run', '--family', 'F1', '--iterations', '1', '--out', '/dev/rekey-chaos-out', '--dry-run'], /--out \/dev\/rekey-chaos-out: \/dev lies in \/dev/],
    ['run --state-dir under /proc', ['run', '--family', 'F1', '--iterations', '1', '--out', '$DIR/out', '--state-dir', '/proc/x'], /--state-dir \/proc\/x: \/proc lies in \/proc/],
    ['cluster up --state-dir under /proc', ['cluster', 'up', '--state-dir', '/proc/x', '--ip-base', '127.71.0'], /--state-dir \/proc\/x: \/proc lies in \/proc/],
    ['report --out under /proc', ['report', '--out', '/proc/x', '--results', '$DIR'], /--out \/proc\/x: \/proc lies in \/proc/],
    ['report --history /dev/null', ['report', '--history', '/dev/null', '--results', '$DIR', '--out', '$DIR/report'], /--history \/dev\/null: is not a regular file/],
    ['explore --out-dir under /proc', ['explore', '--dry-run', '--runs', '1', '--out-dir', '/proc/x'], /--out-dir \/proc\/x: \/proc lies in \/proc/],
    ['explore --out-dir naming a file', ['explore', '--dry-run', '--runs', '1', '--out-dir', '$FILE'], /--out-dir .*a-file: is a file, not a folder/],
    ['recheck of a device (crashed with ENOTDIR)', ['recheck', '/dev/null'], /^rekey-chaos: RUN_DIR \/dev\/null: neither a folder nor a regular file/],
    // Found by the property test (cli-fuzz.unit.test.ts): a URIError from the token decoder.
    ['replay of a token with a broken percent escape', ['replay', '--dry-run', '%3:2:seed=2120:ts=0.02:backend=embedded:manager=reference'], /^rekey-chaos: not a replay token \("%3" is not valid percent-encoding\)/],
    ['replay of a token with a broken escape in a field', ['replay', '--dry-run', 'F3:2:seed=2120:ts=0.02:backend=embedded:manager=ref%ZZ'], /"ref%ZZ" is not valid percent-encoding/],
    ['run selecting over a million iterations (built the whole list first)', ['run', '--matrix', 'milestones', '--iterations', '1000', '--dry-run'], /^rekey-chaos: \d+ iterations selected, more than the 100000 one run takes/],
    ['replay of a token whose time scale no run could take', ['replay', '--dry-run', 'F3:2:seed=2120:ts=1e300:backend=embedded:manager=reference'], /^rekey-chaos: the replay token's ts=1e\+300 is outside 0\.001\.\.100/],
    ['recheck of an empty path', ['recheck', ''], /^rekey-chaos: RUN_DIR: an empty path/],
  ];

  for (const [what, args, message] of cases) {
    it(`${what}: exit 2, one line, nothing created`, async () => {
      const before = readdirSync(dir).sort();
      const r = await runMain(args.map((a) => a.replace('$DIR', dir).replace('$FILE', file)));
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr.trim().split('\n'), 'one line, no stack').to.have.length(1);
      expect(readdirSync(dir).sort(), 'nothing written').to.deep.equal(before);
    });
  }

  // Values commander's own parsers refuse: the message names the option and usage follows; no stack, nothing run.
  const parserCases: Array<[string, string[], RegExp]> = [
    ['run --iterations far past any scenario (hung building the list)', ['run', '--family', 'F1', '--iterations', '99999999', '--dry-run'], /--iterations must be an integer 1\.\.10000/],
    ['explore --runs huge (hung generating schedules)', ['explore', '--dry-run', '--runs', '1000000000'], /--runs must be an integer 1\.\.10000/],
    ['explore --max-faults huge (overflowed the stack)', ['explore', '--dry-run', '--max-faults', '1000000'], /--max-faults must be an integer 1\.\.10/],
    ['run --timescale 1e308', ['run', '--family', 'F1', '--iterations', '1', '--timescale', '1e308', '--dry-run'], /--timescale <x>' argument '1e308' is invalid\. must be a number 0\.001\.\.100/],
    ['cluster up --ip-base that is not loopback', ['cluster', 'up', '--ip-base', '10.0.0', '--state-dir', '$DIR/state'], /--ip-base <a\.b\.c>' argument '10\.0\.0' is invalid/],
    ['run --parallel 21', ['run', '--parallel', '21', '--dry-run'], /--parallel must be an integer 1\.\.20/],
  ];
  for (const [what, args, message] of parserCases) {
    it(`${what}: exit 2 naming the option, no stack, nothing created`, async () => {
      const before = readdirSync(dir).sort();
      const r = await runMain(args.map((a) => a.replace('$DIR', dir).replace('$FILE', file)));
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr).to.not.match(/^\s+at /m);
      expect(r.stdout).to.equal('');
      expect(readdirSync(dir).sort(), 'nothing written').to.deep.equal(before);
    });
  }

  it('a file that is not a scenario is never quoted back (replay file=/etc/passwd)', async () => {
    const secretish = path.join(dir, 'notes.txt');
    writeFileSync(secretish, `${'private line '.repeat(10)}\n${'another private line '.repeat(5)}\n`);
    const r = await runMain(['replay', '--dry-run', `${token('2')}:file=${secretish}`]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.not.include('private line');
    expect(r.stderr).to.match(/must be a mapping, got a text of \d+ characters/);
    expect(existsSync('$DIR/state')).to.equal(false);
  });
});
