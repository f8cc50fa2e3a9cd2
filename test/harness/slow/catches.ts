/**
 * Which scenario catches which broken manager variant on the embedded
 * backend, and which invariants its failure names (each with an instant).
 * The list itself lives beside the defect registry
 * (manager/defects/catchers.ts), where the bench's mutation score reads it
 * too; coverage.test.ts re-runs the verified catcher of every defect.
 */
import { DEFECT_CATCHERS } from '../../../manager/defects/catchers.js';

export const FAMILIES = ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10'];

export interface Catcher {
  /** a scenario id of the catalogue: a family or a generated milestone scenario */
  scenario: string;
  /** invariants that must fail, each naming its instant */
  invariants: string[];
  why: string;
}

export const CATCHES: Record<string, Catcher> = Object.fromEntries(
  Object.entries(DEFECT_CATCHERS).map(([defect, c]) => [defect, { scenario: c.candidates[0]!, invariants: [...c.invariants], why: c.why }]),
);

/**
 * Variants no scenario catches on the embedded backend, and why. Empty since
 * milestone gates made the few-ms windows reachable and the two variants no
 * fault could expose were replaced (see manager/defects/).
 */
export const UNREACHABLE: Record<string, string> = {};
