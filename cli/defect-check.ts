/**
 * `--defect NAME` is checked against the manager's defect registry before
 * anything runs: a misspelt defect would otherwise run the correct manager
 * and "pass", which is exactly the silent success this harness exists to avoid.
 */
import { UsageError } from '../common/errors.js';

export async function knownDefects(): Promise<string[]> {
  const { defectNames } = await import('../manager/defects/registry.js');
  return defectNames();
}

export async function checkDefect(name: string): Promise<void> {
  const names = await knownDefects();
  if (!names.includes(name)) throw new UsageError(`unknown defect "${name}" (defects: ${names.join(', ')})`, { defect: name });
}
