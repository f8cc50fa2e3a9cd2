/**
 * Hand-built run records for the invariant tests: an undisturbed rekey
 * replayed from the milestone sequence over real Shamir sets, through the
 * real custody ledger, with a key feed that switches at `vault-rotated`.
 * Tests then break one thing at a time.
 */
import type { KeyInEffect, PolicyAudit, RunRecord, SetAudit, TimelineEvent } from '../../common/record.js';
import { subsets } from '../../common/shamir.js';
import { expectedRekeySequence, VAULT_EVENTS } from '../../common/milestones.js';
import { formatShard, iterationRequestId, parseShardSecretName, ROOT_TOKEN_SECRET } from '../../common/secrets.js';
import { CustodyLedger } from '../../harness/observe/custody.js';
import { groupSubsetsByKey } from '../../common/subset-keys.js';
import type { TestSet } from '../observe/shard-fixtures.js';

export const T0 = 1_800_000_000_000;
const STEP = 10;

export interface SimulationOptions {
  /** the milestone sequence to replay (default: the undisturbed one) */
  sequence?: string[];
  /** make the recorded audits reflect this final set instead of the real new one (e.g. a corrupted copy) */
  finalSet?: TestSet;
  /** keep the key feed (embedded) or drop it (kind/kubeconfig) */
  feed?: boolean;
  /** how the manager writes a shard secret's strdata (default: formatShard, Vault's exact form) */
  encode?: (name: string, share: Uint8Array) => string;
}

/** Applies one secret milestone to the secrets map; Vault events and `rekey-complete` do not touch secrets. */
function applySecretEvent(secrets: Map<string, string>, event: string, oldSet: TestSet, newSet: TestSet, requestId: string, encode: (name: string, share: Uint8Array) => string): boolean {
  if (event.endsWith('-deleted')) {
    secrets.delete(event.slice(0, -'-deleted'.length));
    return true;
  }
  const shard = parseShardSecretName(event);
  if (shard) {
    const source = shard.prefix === 'cluster-key-bk' ? oldSet : newSet;
    secrets.set(event, encode(event, source.shares[shard.index]!));
    return true;
  }
  if (event.startsWith('cluster-rekey-')) {
    secrets.set(event, requestId);
    return true;
  }
  return false;
}

export async function simulateRun(oldSet: TestSet, newSet: TestSet, options: SimulationOptions = {}): Promise<RunRecord> {
  const sequence = options.sequence ?? expectedRekeySequence();
  const requestId = iterationRequestId(2000);
  const secrets = new Map<string, string>();
  for (let i = 0; i < 5; i++) secrets.set(`cluster-key-${i}`, formatShard(oldSet.shares[i]!));
  secrets.set(ROOT_TOKEN_SECRET, 'root-token-placeholder');
  const ledger = new CustodyLedger();
  const timeline: TimelineEvent[] = [];
  const keyFeed: KeyInEffect[] = [{ t: T0, keyFp: oldSet.keyFp }];
  let t = T0;
  ledger.record(t, 'initial-list', secrets);
  let requestedAt: number | undefined;
  let completedAt: number | undefined;
  for (const event of sequence) {
    t += STEP;
    if (event === 'rekey-complete') {
      completedAt = t;
      timeline.push({ t, name: event, source: 'runner' });
      continue;
    }
    if ((VAULT_EVENTS as readonly string[]).includes(event)) {
      timeline.push({ t, name: event, source: 'vault-feed' });
      if (event === 'vault-rotated') keyFeed.push({ t, keyFp: newSet.keyFp });
      continue;
    }
    if (!applySecretEvent(secrets, event, oldSet, newSet, requestId, options.encode ?? ((_name, share) => formatShard(share)))) throw new Error(`simulate: unknown event ${event}`);
    if (event === 'cluster-rekey-request') requestedAt = t;
    timeline.push({ t, name: event, source: 'secret' });
    ledger.record(t, event, secrets);
  }
  const finalSet = options.finalSet ?? newSet;
  const endedAt = t + STEP;
  const audits = [await subsetAudit(endedAt, finalSet, newSet.keyFp), { t: endedAt + 1, prefix: 'initial', keyFp: oldSet.keyFp, method: 'rekey-audit', current: false } satisfies SetAudit];
  // what harness/vault-client/policy-audit.ts records for a rekey that kept 5 shares / threshold 3
  const policy: PolicyAudit = {
    before: { t: T0, shares: 5, threshold: 3 },
    after: { t: endedAt + 2, shares: 5, threshold: 3 },
    belowThreshold: { t: endedAt + 3, size: 2, trials: subsets(5, 2).map((indices) => ({ indices, authenticated: false })) },
  };
  return {
    version: 1,
    runId: 'sim-0001',
    scenario: {
      id: 'F1-sim',
      family: 'F1',
      description: 'simulated undisturbed rekey',
      source: 'generated:test',
      iterations: 1,
      iterationBase: 2000,
      seed: 1,
      faults: [],
      afterCompletion: [],
      timeoutS: 120,
      settleS: 30,
      invariants: ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7'],
    },
    plan: { scenarioId: 'F1-sim', iteration: 0, requestId, seed: 1, timescale: 0.02, faults: [], afterCompletion: [], timeoutMs: 2400, settleMs: 600 },
    backend: 'embedded',
    manager: 'reference',
    startedAt: T0,
    requestedAt,
    completedAt,
    endedAt,
    timeline,
    ledger: await ledger.flush(),
    keyFeed: options.feed === false ? null : keyFeed,
    service: [{ t: T0, servers: finalServers() }],
    audits,
    faults: [],
    initial: { keyFp: oldSet.keyFp, rootTokenFp: 'abcd1234' },
    policy,
    final: { secrets: [...secrets.keys()].sort(), rootTokenWorks: true, servers: finalServers() },
    logs: {},
    managerProblems: [],
    invariants: [],
    outcome: 'passed',
    replay: 'rekey-chaos replay sim',
  };
}

export function finalServers() {
  return [0, 1, 2].map((i) => ({ pod: `sva-vault-${i}`, sealed: false, active: i === 0, initialized: true, reachable: true }));
}

/** What harness/vault-client auditSubsets records: subsets grouped by combined key, each group judged by whether Vault's key is its key. */
async function subsetAudit(t: number, set: TestSet, vaultKeyFp: string): Promise<SetAudit> {
  const shares = new Map(set.shares.map((s, i) => [i, s] as [number, Uint8Array]));
  const groups = await groupSubsetsByKey(shares);
  const subsets = groups.flatMap((g) => g.subsets.map((indices) => ({ indices, ok: g.keyFp === vaultKeyFp })));
  subsets.sort((a, b) => a.indices.join().localeCompare(b.indices.join()));
  const first = groups.find((g) => g.subsets.some((s) => s.join() === '0,1,2'));
  return { t, prefix: 'cluster-key', keyFp: first?.keyFp, method: 'rekey-audit', current: first?.keyFp === vaultKeyFp, subsets };
}
