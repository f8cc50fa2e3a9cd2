/**
 * The model-based property: from a bootstrapped cluster with a rekey
 * requested, interleave manager passes with kills of the manager between any
 * two API calls, deaths of the active server and server restarts; check I1
 * after every command; then run fault-free passes and check I5 (it completes)
 * and I2, I3, I4, I7 on the settled state.
 *
 * `premature-verified` starts instead from a state the procedure's defences
 * exist for — `cluster-rekey-verified` recorded while Vault still uses the old
 * key (what a manager writing the milestone too early leaves behind) — and
 * checks only I1: a correct manager must keep custody there and stop.
 */
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { formatShard, iterationRequestId, SHARES } from '../../../common/secrets.js';
import { split } from '../../../common/shamir.js';
import { checkConformance, checkCustody, checkFinal, checkWellFormed, InvariantViolation, rekeyDone, serviceSettled, storedSet } from './checks.js';
import { World } from './world.js';

export type StartState = 'requested' | 'premature-verified';
type Model = Record<string, never>;
type Cmd = fc.AsyncCommand<Model, World>;

const SETTLE_PASSES = 80;

abstract class Checked implements Cmd {
  check(): boolean {
    return true;
  }
  async run(_m: Model, w: World): Promise<void> {
    await this.act(w);
    await checkCustody(w);
    checkWellFormed(w);
  }
  abstract act(w: World): Promise<void>;
  abstract toString(): string;
}

class Pass extends Checked {
  async act(w: World) {
    await w.pass();
  }
  toString() {
    return 'pass';
  }
}
class KillManager extends Checked {
  constructor(readonly at: number) {
    super();
  }
  async act(w: World) {
    w.faulted = true;
    await w.passKilledAt(this.at);
  }
  toString() {
    return `killManagerAtCall(${this.at})`;
  }
}
class RestartServer extends Checked {
  constructor(readonly i: number) {
    super();
  }
  async act(w: World) {
    w.faulted = true;
    w.vault.restart(this.i);
    w.log.push(`-- restart sva-vault-${this.i}`);
  }
  toString() {
    return `restartServer(${this.i})`;
  }
}
class KillActive extends Checked {
  async act(w: World) {
    if (w.vault.active === undefined) return;
    w.faulted = true;
    w.log.push(`-- active sva-vault-${w.vault.active} dies`);
    w.vault.restart(w.vault.active);
  }
  toString() {
    return 'killActive';
  }
}
class Request extends Checked {
  async act(w: World) {
    if (w.request(iterationRequestId(w.requests + 1))) w.log.push('-- rekey requested');
  }
  toString() {
    return 'requestRekey';
  }
}

export function commandsArb(): fc.Arbitrary<Iterable<Cmd>> {
  const pass = fc.constant<Cmd>(new Pass());
  const kill = fc.integer({ min: 1, max: 40 }).map<Cmd>((n) => new KillManager(n));
  return fc.commands(
    [pass, pass, pass, pass, pass, kill, kill, kill, kill, fc.integer({ min: 0, max: 2 }).map<Cmd>((i) => new RestartServer(i)), fc.constant<Cmd>(new KillActive()), fc.constant<Cmd>(new Request())],
    { maxCommands: 40 },
  );
}

export async function bootstrappedWorld(defect?: string): Promise<World> {
  const w = new World(defect);
  for (let i = 0; i < 30; i++) {
    if (w.vault.key && serviceSettled(w) && storedSet('cluster-key', w.secrets).state === 'complete') return w;
    await w.pass();
  }
  throw new Error(`setup: the manager did not bootstrap the model cluster\n${w.tail()}`);
}

async function startFrom(start: StartState, defect?: string): Promise<World> {
  const w = await bootstrappedWorld(defect);
  if (start === 'requested') {
    w.initialShares = storedSet('cluster-key', w.secrets).shares;
    w.request(iterationRequestId(0));
    return w;
  }
  const id = iterationRequestId(0);
  const notInUse = await split(new Uint8Array(randomBytes(32)), SHARES, 3);
  w.secrets.set('cluster-rekey-request', id);
  notInUse.forEach((s, i) => w.secrets.set(`cluster-rekey-${i}`, formatShard(s)));
  w.secrets.set('cluster-rekey-verified', id);
  return w;
}

/** Fault-free passes until the rekey is done and every server is unsealed (or the bound runs out). */
export async function settle(w: World): Promise<boolean> {
  for (let i = 0; i < SETTLE_PASSES; i++) {
    if (rekeyDone(w) && serviceSettled(w)) return true;
    await w.pass();
    await checkCustody(w);
    checkWellFormed(w);
  }
  return rekeyDone(w) && serviceSettled(w);
}

export function rekeyProperty(start: StartState, defect?: string) {
  return fc.asyncProperty(commandsArb(), async (cmds) => {
    const w = await startFrom(start, defect);
    await fc.asyncModelRun(() => ({ model: {}, real: w }), cmds);
    w.log.push('-- faults over; settling');
    const done = await settle(w);
    if (start === 'premature-verified') return;
    if (!done) throw new InvariantViolation('I5', `the rekey did not complete within ${SETTLE_PASSES} fault-free passes`, w);
    await checkFinal(w);
    checkConformance(w);
  });
}
