/**
 * Scenario → YAML text in the file format schema.ts reads, so generated
 * scenarios (the milestone matrix, explore's shrunk counterexamples) can be
 * written out as ordinary scenario files and validated like hand-written ones.
 */
import { stringify } from 'yaml';
import type { FaultSpec, Scenario, Trigger } from '../common/scenario.js';

function triggerDoc(t: Trigger): Record<string, unknown> {
  if ('sweep' in t) return { at: 'sweep' };
  if ('atS' in t) return { at: t.atS };
  const out: Record<string, unknown> = { after: t.after };
  if (t.offsetS !== undefined) out['offset'] = t.offsetS;
  if (t.occurrence !== undefined) out['occurrence'] = t.occurrence;
  return out;
}

function faultDoc(f: FaultSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: f.kind, targets: [...f.targets] };
  if (f.graceS !== undefined) out['grace'] = f.graceS;
  if (f.randomSubset !== undefined) out['randomSubset'] = f.randomSubset;
  if (f.downS !== undefined) out['down'] = f.downS;
  if (f.trouble !== undefined) {
    out['path'] = f.trouble.path;
    out['mode'] = f.trouble.mode;
    out['count'] = f.trouble.count;
    if (f.trouble.delayMs !== undefined) out['delayMs'] = f.trouble.delayMs;
    if (f.trouble.methods !== undefined) out['methods'] = [...f.trouble.methods];
  }
  return out;
}

export function scenarioDocument(s: Scenario): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    id: s.id,
    family: s.family,
    description: s.description,
    iterations: s.iterations,
    iterationBase: s.iterationBase,
    seed: s.seed,
    timeout: s.timeoutS,
    settle: s.settleS,
    faults: s.faults.map((f) => ({ trigger: triggerDoc(f.trigger), ...faultDoc(f.fault) })),
    afterCompletion: s.afterCompletion.map(faultDoc),
    invariants: [...s.invariants],
  };
  if (s.cluster !== undefined) doc['cluster'] = s.cluster;
  if (s.manager !== undefined) doc['manager'] = s.manager;
  if (s.tags !== undefined) doc['tags'] = [...s.tags];
  return doc;
}

export function scenarioToYaml(s: Scenario, headerComment?: string): string {
  const body = stringify(scenarioDocument(s), { lineWidth: 0 });
  const header = headerComment ? headerComment.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n') + '\n' : '';
  return header + body;
}
