/**
 * The scenario file schema (docs/scenarios.md): turns a parsed YAML
 * file into a `Scenario`, rejecting anything it does not understand with a
 * ScenarioError that names file, line and field. Nothing downstream ever sees
 * an unvalidated value.
 */
import {
  ALL_INVARIANTS,
  MAX_TROUBLE_COUNT,
  MAX_TROUBLE_DELAY_MS,
  TROUBLE_METHODS,
  TROUBLE_MODES,
  TROUBLE_PATH_PATTERN,
  type FaultKind,
  type FaultSpec,
  type InvariantId,
  type Scenario,
  type ScheduledFault,
  type Trigger,
  type TroubleMethod,
  type TroubleMode,
  type VaultTroubleSpec,
} from '../common/scenario.js';
import { isMilestoneEvent } from '../common/milestones.js';
import { DEFAULT_NODES, FAULT_KINDS, isFaultKind, targetProblem } from './targets.js';
import { describe, YamlSource, type Located } from './yaml-source.js';

export const SCENARIO_KEYS = [
  'id', 'family', 'description', 'iterations', 'iterationBase', 'seed', 'timeout', 'settle',
  'faults', 'afterCompletion', 'invariants', 'cluster', 'manager', 'tags',
] as const;
const TROUBLE_KEYS = ['path', 'mode', 'count', 'delayMs', 'methods'];
const FAULT_KEYS = ['trigger', 'kind', 'targets', 'grace', 'randomSubset', 'down', ...TROUBLE_KEYS];
const CLEANUP_KEYS = ['kind', 'targets', 'grace', 'randomSubset', 'down'];
const TRIGGER_KEYS = ['after', 'offset', 'occurrence', 'at'];

export const FAMILIES = ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10', 'milestone', 'trouble', 'unseal', 'explore', 'regression'];
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Defaults for optional fields, in procedure seconds (the original's rates). */
export const DEFAULTS = { iterations: 1, iterationBase: 0, seed: 1, timeoutS: 600, settleS: 30 } as const;

export function parseScenarioText(file: string, text: string): Scenario {
  return parseScenarioDocument(file, text).scenario;
}

/** The scenario and the line of its `id`, which duplicate-id errors point at. */
export function parseScenarioDocument(file: string, text: string): { scenario: Scenario; idLine: number } {
  const src = YamlSource.parse(file, text);
  const reader = new ScenarioReader(src);
  const scenario = reader.read();
  return { scenario, idLine: reader.idLine };
}

interface NumberRule {
  integer?: boolean;
  min?: number;
  /** the minimum itself is not allowed (timeouts, down times) */
  exclusiveMin?: boolean;
  max?: number;
}

class ScenarioReader {
  idLine = 1;

  constructor(private readonly src: YamlSource) {}

  read(): Scenario {
    const src = this.src;
    const fields = src.mapping(src.root, SCENARIO_KEYS);
    const required = (name: string): Located => fields.get(name) ?? src.fail({ ...src.root, field: name }, 'is required');
    const id = this.string(required('id'));
    this.idLine = required('id').line;
    if (!ID_PATTERN.test(id)) src.fail(required('id'), `"${id}" must be letters, digits, '.', '_', '+' or '-' (it goes into file names and replay tokens)`);
    const family = this.string(required('family'));
    if (!FAMILIES.includes(family)) src.fail(required('family'), `unknown family "${family}" (expected one of ${FAMILIES.join(', ')})`);
    const cluster = this.optional(fields.get('cluster'), (at) => this.freeMapping(at));
    const nodes = this.nodeNames(cluster, fields.get('cluster'));
    const opt = <T>(name: string, read: (at: Located) => T, fallback: T): T => this.optional(fields.get(name), read) ?? fallback;
    const scenario: Scenario = {
      id,
      family,
      description: opt('description', (at) => this.string(at), ''),
      source: src.file,
      iterations: opt('iterations', (at) => this.number(at, { integer: true, min: 1, max: 100000 }), DEFAULTS.iterations),
      iterationBase: opt('iterationBase', (at) => this.number(at, { integer: true, min: 0, max: 9999 }), DEFAULTS.iterationBase),
      seed: opt('seed', (at) => this.number(at, { integer: true, min: 0, max: 0xffffffff }), DEFAULTS.seed),
      faults: opt('faults', (at) => src.sequence(at).map((item) => this.scheduledFault(item, nodes)), []),
      afterCompletion: opt('afterCompletion', (at) => src.sequence(at).map((item) => this.cleanupFault(item, nodes)), []),
      timeoutS: opt('timeout', (at) => this.number(at, { min: 0, exclusiveMin: true }), DEFAULTS.timeoutS),
      settleS: opt('settle', (at) => this.number(at, { min: 0 }), DEFAULTS.settleS),
      invariants: opt('invariants', (at) => this.invariants(at), [...ALL_INVARIANTS]),
    };
    if (cluster !== undefined) scenario.cluster = cluster;
    const manager = this.optional(fields.get('manager'), (at) => this.freeMapping(at));
    if (manager !== undefined) scenario.manager = manager;
    const tags = this.optional(fields.get('tags'), (at) => src.sequence(at).map((t) => this.string(t)));
    if (tags !== undefined) scenario.tags = tags;
    return scenario;
  }

  private optional<T>(at: Located | undefined, read: (at: Located) => T): T | undefined {
    return at === undefined ? undefined : read(at);
  }

  private string(at: Located): string {
    const value = this.src.scalar(at);
    if (typeof value !== 'string' || value.trim() === '') this.src.fail(at, `must be a non-empty string, got ${describe(at.node)}`);
    return value;
  }

  private number(at: Located, rule: NumberRule): number {
    const value = this.src.scalar(at);
    if (typeof value !== 'number') this.src.fail(at, `must be a number, got ${describe(at.node)}`);
    if (!Number.isFinite(value)) this.src.fail(at, `must be a finite number, got ${value}`);
    if (rule.integer && !Number.isInteger(value)) this.src.fail(at, `must be an integer, got ${value}`);
    if (rule.min !== undefined && (value < rule.min || (rule.exclusiveMin && value === rule.min))) {
      this.src.fail(at, `must be ${rule.exclusiveMin ? '>' : '>='} ${rule.min}, got ${value}`);
    }
    if (rule.max !== undefined && value > rule.max) this.src.fail(at, `must be <= ${rule.max}, got ${value}`);
    return value;
  }

  private boolean(at: Located): boolean {
    const value = this.src.scalar(at);
    if (typeof value !== 'boolean') this.src.fail(at, `must be true or false, got ${describe(at.node)}`);
    return value;
  }

  /** Cluster and manager options pass through to other parts; only their shape (a mapping of plain values) is checked here. */
  private freeMapping(at: Located): Record<string, unknown> {
    if (!this.src.isMapping(at)) this.src.fail(at, `must be a mapping, got ${describe(at.node)}`);
    const json = (at.node as { toJSON(): unknown }).toJSON() as Record<string, unknown>;
    return json;
  }

  private nodeNames(cluster: Record<string, unknown> | undefined, at: Located | undefined): readonly string[] {
    const nodes = cluster?.['nodes'];
    if (nodes === undefined) return DEFAULT_NODES;
    if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n) => typeof n === 'string' && n !== '')) {
      this.src.fail({ ...at!, field: 'cluster.nodes' }, 'must be a non-empty list of node names');
    }
    return nodes as string[];
  }

  private invariants(at: Located): InvariantId[] {
    const items = this.src.sequence(at);
    if (items.length === 0) this.src.fail(at, 'must name at least one invariant (omit the field to check all)');
    return items.map((item) => {
      const name = this.string(item);
      if (!(ALL_INVARIANTS as string[]).includes(name)) this.src.fail(item, `unknown invariant "${name}" (expected ${ALL_INVARIANTS.join(', ')})`);
      return name as InvariantId;
    });
  }

  private scheduledFault(at: Located, nodes: readonly string[]): ScheduledFault {
    const fields = this.src.mapping(at, FAULT_KEYS);
    const triggerAt = fields.get('trigger') ?? this.src.fail({ ...at, field: `${at.field}.trigger` }, 'is required');
    return { trigger: this.trigger(triggerAt), fault: this.faultSpec(at, fields, nodes) };
  }

  /** After-completion faults clear back-off by restarting things; trouble armed then would only disturb the audits. */
  private cleanupFault(at: Located, nodes: readonly string[]): FaultSpec {
    const fields = this.src.mapping(at, CLEANUP_KEYS);
    const kind = fields.get('kind');
    if (kind && this.src.scalar(kind) === 'vault-trouble') this.src.fail(kind, 'vault-trouble cannot be an after-completion fault (it would hit the final audits, not the manager)');
    return this.faultSpec(at, fields, nodes);
  }

  private trigger(at: Located): Trigger {
    const fields = this.src.mapping(at, TRIGGER_KEYS);
    const after = fields.get('after');
    const atField = fields.get('at');
    if (after && atField) this.src.fail(atField, 'a trigger is either `after: <milestone>` or `at: <seconds|sweep>`, not both');
    if (atField) {
      for (const name of ['offset', 'occurrence']) {
        const extra = fields.get(name);
        if (extra) this.src.fail(extra, `only allowed with \`after: <milestone>\`, not with \`at\``);
      }
      if (this.src.scalar(atField) === 'sweep') return { sweep: true };
      return { atS: this.number(atField, { min: 0 }) };
    }
    if (!after) this.src.fail(at, 'needs `after: <milestone>` or `at: <seconds|sweep>`');
    const event = this.string(after);
    if (!isMilestoneEvent(event)) this.src.fail(after, `unknown milestone "${event}"`);
    const trigger: Trigger = { after: event };
    const offset = fields.get('offset');
    if (offset) trigger.offsetS = this.number(offset, { min: 0 });
    const occurrence = fields.get('occurrence');
    if (occurrence) trigger.occurrence = this.number(occurrence, { integer: true, min: 1 });
    return trigger;
  }

  private faultSpec(at: Located, fields: Map<string, Located>, nodes: readonly string[]): FaultSpec {
    const kindAt = fields.get('kind') ?? this.src.fail({ ...at, field: `${at.field}.kind` }, 'is required');
    const kindValue = this.src.scalar(kindAt);
    if (!isFaultKind(kindValue)) this.src.fail(kindAt, `unknown fault kind ${describe(kindAt.node)} (expected ${FAULT_KINDS.join(', ')})`);
    const kind: FaultKind = kindValue;
    const targetsAt = fields.get('targets') ?? this.src.fail({ ...at, field: `${at.field}.targets` }, 'is required');
    const targetItems = this.src.sequence(targetsAt);
    if (targetItems.length === 0) this.src.fail(targetsAt, 'must name at least one target');
    const targets = targetItems.map((item) => {
      const target = this.string(item);
      const problem = targetProblem(kind, target, nodes);
      if (problem) this.src.fail(item, problem);
      return target;
    });
    const spec: FaultSpec = { kind, targets };
    const grace = fields.get('grace');
    if (grace) {
      if (kind !== 'delete-pod') this.src.fail(grace, `only applies to delete-pod (a ${kind} has no grace period)`);
      spec.graceS = this.number(grace, { integer: true, min: 0 });
    }
    const subset = fields.get('randomSubset');
    if (subset) {
      if (kind === 'node-loss' || kind === 'vault-trouble') this.src.fail(subset, `does not apply to ${kind}`);
      spec.randomSubset = this.boolean(subset);
      if (spec.randomSubset && targets.length < 2) this.src.fail(subset, 'needs at least two targets to pick a subset from');
    }
    const down = fields.get('down');
    if (down) {
      if (kind !== 'node-loss') this.src.fail(down, `only applies to node-loss, not ${kind}`);
      spec.downS = this.number(down, { min: 0, exclusiveMin: true });
    }
    if (kind === 'vault-trouble') spec.trouble = this.trouble(at, fields);
    else {
      for (const name of TROUBLE_KEYS) {
        const extra = fields.get(name);
        if (extra) this.src.fail(extra, `only applies to vault-trouble, not ${kind}`);
      }
    }
    return spec;
  }

  /** The `path`, `mode`, `count`, `delayMs`, `methods` of a vault-trouble fault (the double's trouble API checks the same on arrival). */
  private trouble(at: Located, fields: Map<string, Located>): VaultTroubleSpec {
    const need = (name: string): Located => fields.get(name) ?? this.src.fail({ ...at, field: `${at.field}.${name}` }, 'is required for vault-trouble');
    const pathAt = need('path');
    const path = this.string(pathAt);
    if (!TROUBLE_PATH_PATTERN.test(path)) this.src.fail(pathAt, `"${path}" must be an API path under sys/ such as sys/unseal or sys/rekey/ (a trailing * is allowed)`);
    const modeAt = need('mode');
    const mode = this.string(modeAt);
    if (!(TROUBLE_MODES as readonly string[]).includes(mode)) this.src.fail(modeAt, `unknown mode "${mode}" (expected ${TROUBLE_MODES.join(', ')})`);
    const count = this.number(need('count'), { integer: true, min: 1, max: MAX_TROUBLE_COUNT });
    const spec: VaultTroubleSpec = { path, mode: mode as TroubleMode, count };
    const delayAt = fields.get('delayMs');
    if (mode === 'delay') spec.delayMs = this.number(delayAt ?? need('delayMs'), { integer: true, min: 1, max: MAX_TROUBLE_DELAY_MS });
    else if (delayAt) this.src.fail(delayAt, `only applies to mode delay, not ${mode}`);
    const methodsAt = fields.get('methods');
    if (methodsAt) {
      const items = this.src.sequence(methodsAt);
      if (items.length === 0) this.src.fail(methodsAt, 'must name at least one method (omit the field for all)');
      const methods = items.map((item) => {
        const name = this.string(item).toUpperCase();
        const method = name === 'POST' ? 'PUT' : name;
        if (!(TROUBLE_METHODS as readonly string[]).includes(method)) this.src.fail(item, `unknown method "${name}" (expected GET, PUT, POST, DELETE)`);
        return method as TroubleMethod;
      });
      spec.methods = [...new Set(methods)];
    }
    return spec;
  }
}
