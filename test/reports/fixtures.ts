/**
 * Synthetic run records for the report tests. The shard sets are real Shamir
 * splits (common/shamir.ts) of random keys; the records carry only
 * their fingerprints, and the values are kept aside in `secrets` so the tests
 * can scan every output for a leak.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFingerprint, shardFingerprint, tokenFingerprint } from '../../common/fingerprint.js';
import { split } from '../../common/shamir.js';
import { iterationRequestId, SET_PREFIXES, SHARES, THRESHOLD, type SetPrefix } from '../../common/secrets.js';
import type { CustodyEntry, InjectedFault, Outcome, RunRecord, ServiceSample, SetSnapshot, TimelineEvent } from '../../common/record.js';
import type { FaultPlan, Scenario } from '../../common/scenario.js';
import type { SecretValues } from '../../reports/scan.js';

export interface KeySet {
  key: Uint8Array;
  shards: Uint8Array[];
  keyFp: string;
  shardFps: string[];
}

async function makeKeySet(): Promise<KeySet> {
  const key = new Uint8Array(randomBytes(32));
  const shards = await split(key, SHARES, THRESHOLD);
  return { key, shards, keyFp: keyFingerprint(key), shardFps: shards.map((s) => shardFingerprint(s)) };
}

export interface FixtureWorld {
  oldSet: KeySet;
  newSet: KeySet;
  rootToken: string;
  secrets: SecretValues;
}

export async function makeWorld(): Promise<FixtureWorld> {
  const oldSet = await makeKeySet();
  const newSet = await makeKeySet();
  const rootToken = `hvs.${randomBytes(18).toString('base64url')}`;
  return {
    oldSet,
    newSet,
    rootToken,
    secrets: { shards: [...oldSet.shards, ...newSet.shards], unsealKeys: [oldSet.key, newSet.key], rootTokens: [rootToken] },
  };
}

const T0 = 1_790_000_000_000; // a fixed epoch so outputs are comparable between runs

function absent(): SetSnapshot {
  return { state: 'absent', present: [], shardFps: {} };
}

function snapshot(set: KeySet, present: number[]): SetSnapshot {
  const shardFps: Record<number, string> = {};
  for (const i of present) shardFps[i] = set.shardFps[i]!;
  const snap: SetSnapshot = { state: present.length === 0 ? 'absent' : present.length === SHARES ? 'complete' : 'partial', present, shardFps };
  if (present.length >= THRESHOLD) snap.keyFp = set.keyFp;
  if (present.length === SHARES) snap.consistent = true;
  return snap;
}

function scenarioOf(id: string, family: string, after: string): Scenario {
  return {
    id,
    family,
    description: `${family}: kill the active server after ${after}`,
    source: `scenarios/families/${family}.yaml`,
    iterations: 2,
    iterationBase: 0,
    seed: 42,
    faults: [{ trigger: { after }, fault: { kind: 'kill-process', targets: ['active'] } }],
    afterCompletion: [],
    timeoutS: 600,
    settleS: 30,
    invariants: ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7'],
    tags: ['quick'],
  };
}

function planOf(scenario: Scenario, iteration: number, after: string): FaultPlan {
  return {
    scenarioId: scenario.id,
    iteration,
    requestId: iterationRequestId(iteration),
    seed: 1000 + iteration,
    timescale: 0.02,
    faults: [{ index: 0, trigger: { after, offsetMs: 0, occurrence: 1 }, fault: scenario.faults[0]!.fault, targetSeed: 7 }],
    afterCompletion: [],
    timeoutMs: 12_000,
    settleMs: 600,
  };
}

type Kind = 'passed' | 'failed-i1' | 'not-hit' | 'timeout';

/** One fixture record plus its run dir (record.json and logs/) under `root`. */
export function makeRecord(world: FixtureWorld, kind: Kind, root: string): { record: RunRecord; runDir: string } {
  const { oldSet, newSet } = world;
  const family = { passed: 'F1', 'failed-i1': 'F3', 'not-hit': 'F5', timeout: 'F2' }[kind];
  const trigger = kind === 'not-hit' ? 'cluster-rekey-audit' : 'vault-auth-complete';
  const scenario = scenarioOf(`${family}-kill-active`, family, trigger);
  const plan = planOf(scenario, 1, trigger);
  const runId = `${scenario.id}-i1-${kind}`;
  const req = T0 + 1000;
  const at = (ms: number) => req + ms;

  const timeline: TimelineEvent[] = [
    { t: at(0), name: 'cluster-rekey-request', source: 'secret' },
    { t: at(40), name: 'vault-rekey-started', source: 'vault-feed' },
    { t: at(90), name: 'vault-auth-complete', source: 'vault-feed' },
    { t: at(95), name: 'fault:0', source: 'fault', detail: { kind: 'kill-process', target: 'sva-vault-0' } },
    { t: at(160), name: 'cluster-rekey-4', source: 'secret' },
    { t: at(300), name: 'vault-rotated', source: 'vault-feed' },
    { t: at(380), name: 'cluster-key-bk-4', source: 'secret' },
    { t: at(450), name: 'cluster-key-0-deleted', source: 'secret' },
  ];
  const all = [0, 1, 2, 3, 4];
  const ledger: CustodyEntry[] = [
    { t: T0 + 10, cause: 'initial', sets: sets(snapshot(oldSet, all), absent(), absent()) },
    { t: at(120), cause: 'cluster-rekey-0', sets: sets(snapshot(oldSet, all), snapshot(newSet, [0]), absent()) },
    { t: at(160), cause: 'cluster-rekey-4', sets: sets(snapshot(oldSet, all), snapshot(newSet, all), absent()) },
  ];
  if (kind === 'failed-i1') {
    // The broken variant deletes cluster-key shards before the new key is in effect and never writes a backup.
    ledger.push({ t: at(250), cause: 'cluster-key-2-deleted', sets: sets(snapshot(oldSet, [3, 4]), snapshot(newSet, all), absent()) });
  } else {
    ledger.push({ t: at(380), cause: 'cluster-key-bk-4', sets: sets(snapshot(oldSet, all), snapshot(newSet, all), snapshot(oldSet, all)) });
    ledger.push({ t: at(450), cause: 'cluster-key-0-deleted', sets: sets(snapshot(oldSet, [1, 2, 3, 4]), snapshot(newSet, all), snapshot(oldSet, all)) });
    ledger.push({ t: at(520), cause: 'cluster-key-4', sets: sets(snapshot(newSet, all), snapshot(newSet, all), snapshot(oldSet, all)) });
  }
  const service: ServiceSample[] = [
    { t: T0 + 20, servers: servers('sva-vault-0') },
    { t: at(96), servers: servers(undefined, 'sva-vault-0') },
    { t: at(200), servers: servers('sva-vault-1') },
  ];
  const fault: InjectedFault = {
    index: 0,
    kind: 'kill-process',
    target: 'sva-vault-0',
    targetSpec: 'active',
    trigger,
    triggeredAt: kind === 'not-hit' ? undefined : at(90),
    appliedAt: kind === 'not-hit' ? undefined : at(95),
    landed: kind !== 'not-hit',
    missReason: kind === 'not-hit' ? 'trigger cluster-rekey-audit never observed' : undefined,
    nextMilestone: kind === 'not-hit' ? undefined : { name: 'cluster-rekey-0', t: at(120) },
  };
  const invariants = makeInvariants(kind, at(250), oldSet, newSet);
  const outcome: Outcome = kind === 'failed-i1' ? 'failed' : kind;
  const record: RunRecord = {
    version: 1,
    runId,
    scenario,
    plan,
    backend: 'embedded',
    manager: 'reference',
    defect: kind === 'failed-i1' ? 'delete-before-rotate' : undefined,
    startedAt: T0,
    requestedAt: req,
    completedAt: kind === 'timeout' ? undefined : at(600),
    endedAt: at(kind === 'timeout' ? 12_500 : 1200),
    timeline,
    ledger,
    keyFeed: [
      { t: T0 + 5, keyFp: oldSet.keyFp },
      { t: at(300), keyFp: newSet.keyFp },
    ],
    service,
    audits: [{ t: at(560), prefix: 'cluster-key', keyFp: newSet.keyFp, method: 'rekey-audit', current: true }],
    faults: [fault],
    initial: { keyFp: oldSet.keyFp, rootTokenFp: tokenFingerprint(world.rootToken) },
    final: { secrets: ['cluster-key-0', 'cluster-key-root'], rootTokenWorks: true, servers: servers('sva-vault-1') },
    logs: { 'sva-vault-manager-0': 'logs/sva-vault-manager-0.log', 'sva-vault-0': 'logs/sva-vault-0.log' },
    managerProblems: kind === 'failed-i1' ? ['2026-11-23T15:04:05.123Z ERROR unseal failed for sva-vault-0'] : [],
    invariants,
    outcome,
    error: kind === 'timeout' ? 'timed out after 12000 ms waiting for rekey-complete' : undefined,
    replay: `npx rekey-chaos replay "${scenario.id}@1:seed=${plan.seed}"`,
  };
  const runDir = join(root, 'runs', runId);
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  writeFileSync(join(runDir, 'record.json'), JSON.stringify(record, null, 2));
  writeFileSync(
    join(runDir, 'logs', 'sva-vault-manager-0.log'),
    `2026-11-23T15:04:05.000Z INFO rekey requested (key ${oldSet.keyFp})\n2026-11-23T15:04:05.100Z INFO new shards stored as cluster-rekey (key ${newSet.keyFp})\n`,
  );
  writeFileSync(join(runDir, 'logs', 'sva-vault-0.log'), '2026-11-23T15:04:05.050Z INFO listening on :8200\n');
  return { record, runDir };
}

function sets(key: SetSnapshot, rekey: SetSnapshot, bk: SetSnapshot): Record<SetPrefix, SetSnapshot> {
  const out = {} as Record<SetPrefix, SetSnapshot>;
  [key, rekey, bk].forEach((s, i) => (out[SET_PREFIXES[i]!] = s));
  return out;
}

function servers(active?: string, down?: string) {
  return ['sva-vault-0', 'sva-vault-1', 'sva-vault-2'].map((pod) => ({
    pod,
    reachable: pod !== down,
    sealed: pod === down ? undefined : false,
    active: pod === active,
  }));
}

function makeInvariants(kind: Kind, violationAt: number, oldSet: KeySet, newSet: KeySet): RunRecord['invariants'] {
  const ids = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7'] as const;
  return ids.map((id) => {
    if (kind === 'failed-i1' && id === 'I1') {
      return {
        id,
        status: 'failed' as const,
        message: `no complete set for the key in effect (${oldSet.keyFp}) after cluster-key-2-deleted`,
        at: violationAt,
        evidence: { keyInEffect: oldSet.keyFp, sets: { 'cluster-key': 'partial [3,4]', 'cluster-rekey': `complete ${newSet.keyFp}`, 'cluster-key-bk': 'absent' } },
      };
    }
    if (kind === 'not-hit' || kind === 'timeout') return { id, status: 'skipped' as const, message: 'not checked', evidence: {} };
    return { id, status: 'passed' as const, message: 'held', evidence: { checkedEntries: 5 } };
  });
}

export const FIXTURE_KINDS: Kind[] = ['passed', 'failed-i1', 'not-hit', 'timeout'];
