/**
 * `rekey-chaos list`: the known scenarios, one per line (id, family,
 * trigger, faults, iterations), and the size of what was listed.
 */
import type { FaultSpec, Scenario, Trigger } from '../common/scenario.js';
import type { MatrixEntry } from './selection.js';

export function triggerText(t: Trigger): string {
  if ('sweep' in t) return 'at k.rr s (sweep)';
  if ('atS' in t) return `at ${t.atS}s`;
  const offset = t.offsetS ? `+${t.offsetS}s` : '';
  const occurrence = t.occurrence && t.occurrence > 1 ? `#${t.occurrence}` : '';
  return `after ${t.after}${occurrence}${offset}`;
}

export function faultText(f: FaultSpec): string {
  const extras: string[] = [];
  if (f.randomSubset) extras.push('random subset');
  if (f.graceS !== undefined) extras.push(`grace ${f.graceS}s`);
  if (f.downS !== undefined) extras.push(`down ${f.downS}s`);
  return `${f.kind} ${f.targets.join('+')}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

export interface ListRow {
  id: string;
  family: string;
  source: string;
  triggers: string[];
  faults: string[];
  afterCompletion: string[];
  iterations: number;
}

export function listRow(entry: MatrixEntry): ListRow {
  const s: Scenario = entry.scenario;
  return {
    id: s.id,
    family: s.family,
    source: s.source,
    triggers: s.faults.map((f) => triggerText(f.trigger)),
    faults: s.faults.map((f) => faultText(f.fault)),
    afterCompletion: s.afterCompletion.map(faultText),
    iterations: entry.iterations?.length ?? s.iterations,
  };
}

export function formatListing(entries: MatrixEntry[]): string {
  const rows = entries.map(listRow);
  const idWidth = Math.max(2, ...rows.map((r) => r.id.length));
  const famWidth = Math.max(6, ...rows.map((r) => r.family.length));
  const lines = rows.map((r) => {
    const what = r.faults.length === 0 ? 'no fault' : r.faults.map((f, i) => `${r.triggers[i]}: ${f}`).join('; ');
    const cleanup = r.afterCompletion.length ? `; then ${r.afterCompletion.join(', ')}` : '';
    return `${r.id.padEnd(idWidth)}  ${r.family.padEnd(famWidth)}  ${String(r.iterations).padStart(3)}x  ${what}${cleanup}`;
  });
  const iterations = rows.reduce((n, r) => n + r.iterations, 0);
  lines.push(`${rows.length} scenarios, ${iterations} iterations`);
  return lines.join('\n') + '\n';
}

export function listingJson(entries: MatrixEntry[]): string {
  const rows = entries.map(listRow);
  return JSON.stringify({ scenarios: rows, total: { scenarios: rows.length, iterations: rows.reduce((n, r) => n + r.iterations, 0) } }, null, 2) + '\n';
}
