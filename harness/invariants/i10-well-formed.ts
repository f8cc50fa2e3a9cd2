/**
 * I10 every stored shard is well-formed (docs/invariants.md): each shard
 * secret the ledger saw, at any instant, reads with the harness's strict
 * reader (common/strict-shard.ts). The manager reads its own secrets
 * leniently, so a write path that stores unpadded or URL-safe base64,
 * upper-case hex or stray whitespace goes unnoticed by it — and by every
 * check that only combines shares — while another consumer of the secret
 * (the StarlingX script's jq and `base64 -d`, an operator) would fail on it.
 */
import type { InvariantResult, RunRecord } from '../../common/record.js';
import { SET_PREFIXES, shardSecretName } from '../../common/secrets.js';
import { describeSets, failed, passed } from './evidence.js';

export function checkI10(record: RunRecord): InvariantResult {
  if (record.ledger.length === 0) return failed('I10', 'no custody ledger was recorded: the stored shards cannot be shown well-formed', {});
  for (const entry of record.ledger) {
    for (const prefix of SET_PREFIXES) {
      const set = entry.sets[prefix];
      const index = set?.unparsable?.[0];
      if (set === undefined || index === undefined) continue;
      const secret = shardSecretName(prefix, index);
      const reason = set.unparsableReasons?.[index] ?? 'does not parse as a shard';
      return failed('I10', `${secret} is not a well-formed shard: ${reason} (after ${entry.cause})`, { secret, reason, cause: entry.cause, unparsable: set.unparsable, sets: describeSets(entry.sets) }, entry.t);
    }
  }
  return passed('I10', `every shard secret stored during the run was well-formed (${record.ledger.length} ledger entries)`, { entries: record.ledger.length });
}
