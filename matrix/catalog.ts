/**
 * Every scenario the CLI knows: the YAML files under `scenarios/` (families,
 * regressions, anything else a user drops there) plus the generated milestone
 * and unseal matrices. Loading validates every file up front, so one malformed file or a
 * duplicate id stops the command before anything runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../common/repo-root.js';
import { ScenarioError, UsageError } from '../common/errors.js';
import type { Scenario } from '../common/scenario.js';
import { milestoneMatrix, unsealMatrix } from './milestone-matrix.js';
import { parseScenarioDocument } from './schema.js';

export { REPO_ROOT };
export const SCENARIOS_DIR = path.join(REPO_ROOT, 'scenarios');
export const REGRESSIONS_DIR = path.join(SCENARIOS_DIR, 'regressions');

/** How a path is shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export interface LoadedFile {
  scenario: Scenario;
  idLine: number;
}

export function loadScenarioFile(file: string): LoadedFile {
  const shown = displayPath(path.resolve(file));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scenario file ${shown}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: shown });
  }
  return parseScenarioDocument(shown, text);
}

function yamlFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFilesUnder(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

export class Catalog {
  private readonly byId = new Map<string, Scenario>();
  private readonly idLines = new Map<string, number>();

  /** Adds a scenario; a second scenario with the same id is a ScenarioError on its id line. */
  add(scenario: Scenario, idLine = 1): void {
    const existing = this.byId.get(scenario.id);
    if (existing) {
      throw new ScenarioError(scenario.source, idLine, 'id', `duplicate id "${scenario.id}" (already defined by ${existing.source}:${this.idLines.get(scenario.id) ?? 1})`);
    }
    this.byId.set(scenario.id, scenario);
    this.idLines.set(scenario.id, idLine);
  }

  get(id: string): Scenario | undefined {
    return this.byId.get(id);
  }

  all(): Scenario[] {
    return [...this.byId.values()];
  }

  /**
   * `--scenario ID|FILE`: a path to a YAML file (validated, and checked
   * against the known ids) or the id of a known scenario.
   */
  resolve(ref: string): Scenario {
    const looksLikeFile = /\.ya?ml$/.test(ref) || ref.includes('/') || ref.includes(path.sep);
    if (looksLikeFile) {
      if (!existsSync(ref) || !statSync(ref).isFile()) throw new UsageError(`no scenario file ${ref}`, { scenario: ref });
      const loaded = loadScenarioFile(ref);
      const known = this.byId.get(loaded.scenario.id);
      // The catalogue's own file named by path is fine; another file claiming a known id is not.
      if (known && path.resolve(REPO_ROOT, known.source) !== path.resolve(ref)) {
        throw new ScenarioError(loaded.scenario.source, loaded.idLine, 'id', `duplicate id "${loaded.scenario.id}" (already defined by ${known.source}:${this.idLines.get(known.id) ?? 1})`);
      }
      return known ?? loaded.scenario;
    }
    const scenario = this.byId.get(ref);
    if (!scenario) throw new UsageError(`unknown scenario "${ref}" (see \`rekey-chaos list\`)`, { scenario: ref });
    return scenario;
  }
}

/** Loads every file under `scenarios/` (paths shown relative to the repo root) and the generated matrices. */
export function loadCatalog(scenariosDir = SCENARIOS_DIR): Catalog {
  const catalog = new Catalog();
  for (const file of yamlFilesUnder(scenariosDir)) {
    const shown = path.relative(REPO_ROOT, file);
    const loaded = parseScenarioDocument(shown.startsWith('..') ? file : shown, readFileSync(file, 'utf8'));
    catalog.add(loaded.scenario, loaded.idLine);
  }
  for (const scenario of milestoneMatrix()) catalog.add(scenario);
  for (const scenario of unsealMatrix()) catalog.add(scenario);
  return catalog;
}
