/**
 * I4 service (docs/invariants.md): all three servers end unsealed, exactly
 * one active, and the root token still works.
 */
import type { InvariantResult, RunRecord, ServerState } from '../../common/record.js';
import { failed, passed } from './evidence.js';

export const EXPECTED_SERVERS = 3;

export function checkI4(record: RunRecord): InvariantResult {
  const servers: ServerState[] = record.final.servers.length > 0 ? record.final.servers : (record.service.at(-1)?.servers ?? []);
  const evidence = { servers, rootTokenWorks: record.final.rootTokenWorks };
  const at = record.endedAt;
  if (servers.length !== EXPECTED_SERVERS) return failed('I4', `expected ${EXPECTED_SERVERS} servers at the end, saw ${servers.length}`, evidence, at);
  const down = servers.filter((s) => !s.reachable || s.sealed !== false).map((s) => `${s.pod}${s.reachable ? ' sealed' : ' unreachable'}`);
  if (down.length > 0) return failed('I4', `not every server ends unsealed: ${down.join(', ')}`, evidence, at);
  const active = servers.filter((s) => s.active === true).map((s) => s.pod);
  if (active.length !== 1) return failed('I4', `expected exactly one active server, saw ${active.length}${active.length ? `: ${active.join(', ')}` : ''}`, evidence, at);
  if (record.final.rootTokenWorks !== true) {
    return failed('I4', record.final.rootTokenWorks === false ? 'the root token no longer works' : 'the root token was not checked', evidence, at);
  }
  return passed('I4', `3 servers unsealed, ${active[0]} active, root token works`, evidence);
}
