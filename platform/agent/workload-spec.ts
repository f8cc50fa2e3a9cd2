/**
 * Validation of a WorkloadSpec received over the agent API or from
 * config.json: a bad spec is refused with a field-level message before any
 * pod of the previous version is touched.
 */
import { invalidField as invalid } from './errors.js';
import { validateProbe } from './probe-spec.js';
import type { WorkloadSpec } from './types.js';
import { validateVolumeMounts, validateVolumes } from './volume-spec.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_REPLICAS = 64;


function stringRecord(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(field, 'must be an object of strings');
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') invalid(`${field}.${k}`, 'must be a string');
  return { ...(value as Record<string, string>) };
}

export function validateWorkload(input: unknown, nameFromPath?: string): WorkloadSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) invalid('body', 'must be a JSON object');
  const raw = input as Record<string, unknown>;
  const name = raw.name ?? nameFromPath;
  if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > 50) invalid('name', 'must be a DNS label of at most 50 characters');
  if (nameFromPath !== undefined && name !== nameFromPath) invalid('name', `"${name}" differs from the path's "${nameFromPath}"`);
  const namespace = raw.namespace;
  if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace)) invalid('namespace', 'must be a DNS label');
  const replicas = raw.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS)
    invalid('replicas', `must be an integer 0..${MAX_REPLICAS}`);
  const command = raw.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string'))
    invalid('command', 'must be a non-empty array of strings');
  const spec: WorkloadSpec = {
    name,
    namespace,
    replicas,
    labels: stringRecord(raw.labels, 'labels'),
    command: [...(command as string[])],
    env: stringRecord(raw.env, 'env'),
  };
  if (raw.cwd !== undefined) {
    if (typeof raw.cwd !== 'string') invalid('cwd', 'must be a string');
    spec.cwd = raw.cwd;
  }
  if (raw.nodes !== undefined) {
    if (!Array.isArray(raw.nodes) || !raw.nodes.every((n) => typeof n === 'string')) invalid('nodes', 'must be an array of node names');
    spec.nodes = [...(raw.nodes as string[])];
  }
  if (raw.terminationGracePeriodSeconds !== undefined) {
    const g = raw.terminationGracePeriodSeconds;
    if (typeof g !== 'number' || !(g >= 0) || g > 3600) invalid('terminationGracePeriodSeconds', 'must be a number 0..3600');
    spec.terminationGracePeriodSeconds = g;
  }
  if (raw.containerName !== undefined) {
    if (typeof raw.containerName !== 'string' || !DNS_LABEL.test(raw.containerName)) invalid('containerName', 'must be a DNS label');
    spec.containerName = raw.containerName;
  }
  if (raw.readiness !== undefined) {
    const port = (raw.readiness as { tcpPort?: unknown } | null)?.tcpPort;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) invalid('readiness.tcpPort', 'must be a TCP port');
    spec.readiness = { tcpPort: port };
  }
  addPodShape(spec, raw);
  return spec;
}

/** The Kubernetes-shaped part: volumes, mounts, exec probes and the sandbox flag (implied by volumes). */
function addPodShape(spec: WorkloadSpec, raw: Record<string, unknown>): void {
  const volumes = validateVolumes(raw.volumes);
  const mounts = validateVolumeMounts(raw.volumeMounts, volumes);
  if (volumes) spec.volumes = volumes;
  if (mounts) spec.volumeMounts = mounts;
  for (const field of ['livenessProbe', 'readinessProbe'] as const) {
    const probe = validateProbe(raw[field], field);
    if (probe) spec[field] = probe;
  }
  if (raw.sandbox !== undefined && typeof raw.sandbox !== 'boolean') invalid('sandbox', 'must be a boolean');
  const needsSandbox = (volumes?.length ?? 0) > 0 || (mounts?.length ?? 0) > 0;
  if (raw.sandbox === false && needsSandbox) invalid('sandbox', 'cannot be false for a workload with volumes or volumeMounts (they exist only inside a sandbox)');
  if (raw.sandbox === true || needsSandbox) spec.sandbox = true;
}

/** True when the workload's pods run in a sandbox. */
export const isSandboxed = (spec: WorkloadSpec): boolean => spec.sandbox === true;
