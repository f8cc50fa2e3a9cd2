/**
 * The original test plan's pre-iteration check (docs/scenarios.md): no rekey
 * artefact may be left from the previous iteration. The original loop stops
 * when it finds one; a scenario can instead ask to clean and go on with
 * `cluster: { leftovers: clean }`. Either way the finding is recorded.
 */
import type { Scenario } from '../../common/scenario.js';

export type LeftoverPolicy = 'stop' | 'clean';

export function leftoverPolicy(scenario: Scenario): LeftoverPolicy {
  return scenario.cluster?.['leftovers'] === 'clean' ? 'clean' : 'stop';
}

export function describeLeftovers(names: string[]): string {
  return `rekey artefacts left from a previous iteration: ${[...names].sort().join(', ')}`;
}
