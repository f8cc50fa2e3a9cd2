/**
 * Validation of a workload's `volumes` and `volumeMounts` (Kubernetes shapes:
 * configMap, secret, emptyDir; mounts by name with mountPath, readOnly,
 * subPath). Every problem names its field, e.g. `volumes[1].secret.items[0].path`.
 */
import { invalidField } from './errors.js';
import type { KeyToPath, Volume, VolumeMount } from './types.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A relative path that stays inside its folder (no absolute path, no `..` element), as Kubernetes requires of items[].path and subPath. */
function relativePath(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') invalidField(field, 'must be a non-empty relative path');
  if (value.startsWith('/')) invalidField(field, 'must be a relative path');
  if (value.split('/').includes('..')) invalidField(field, "must not contain '..'");
  return value;
}

function fileMode(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o777)
    invalidField(field, 'must be a file mode 0..0777 (decimal 0..511)');
  return value;
}

function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') invalidField(field, 'must be a boolean');
  return value;
}

function items(value: unknown, field: string): KeyToPath[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) invalidField(field, 'must be an array of {key, path, mode?}');
  const paths = new Set<string>();
  return value.map((item, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(item)) invalidField(f, 'must be an object {key, path, mode?}');
    if (typeof item.key !== 'string' || !CONFIG_KEY.test(item.key)) invalidField(`${f}.key`, 'must be a valid config key');
    const path = relativePath(item.path, `${f}.path`);
    if (paths.has(path)) invalidField(`${f}.path`, `duplicate path "${path}"`);
    paths.add(path);
    return { key: item.key, path, ...(item.mode !== undefined ? { mode: fileMode(item.mode, `${f}.mode`) } : {}) };
  });
}

/** Fields shared by configMap and secret sources (items, defaultMode, optional), defaults filled like the API server. */
function projection(source: Record<string, unknown>, field: string): { items?: KeyToPath[]; defaultMode: number; optional: boolean } {
  const list = items(source.items, `${field}.items`);
  return {
    ...(list ? { items: list } : {}),
    defaultMode: source.defaultMode === undefined ? 0o644 : fileMode(source.defaultMode, `${field}.defaultMode`),
    optional: optionalBool(source.optional, `${field}.optional`) ?? false,
  };
}

function volume(raw: unknown, field: string): Volume {
  if (!isObject(raw)) invalidField(field, 'must be an object');
  if (typeof raw.name !== 'string' || !DNS_LABEL.test(raw.name) || raw.name.length > 63) invalidField(`${field}.name`, 'must be a DNS label');
  const name = raw.name;
  const kinds = ['configMap', 'secret', 'emptyDir', 'hostPath'].filter((k) => raw[k] !== undefined);
  const others = Object.keys(raw).filter((k) => k !== 'name' && !kinds.includes(k));
  if (others.length > 0) invalidField(`${field}.${others[0]}`, 'unsupported volume type (configMap, secret, emptyDir and hostPath are)');
  if (kinds.length !== 1) invalidField(field, 'must have exactly one of configMap, secret, emptyDir, hostPath');
  const kind = kinds[0]!;
  const source = raw[kind];
  if (!isObject(source)) invalidField(`${field}.${kind}`, 'must be an object');
  if (kind === 'configMap') {
    if (typeof source.name !== 'string' || !DNS_SUBDOMAIN.test(source.name)) invalidField(`${field}.configMap.name`, 'must name a configMap (DNS subdomain)');
    return { name, configMap: { name: source.name, ...projection(source, `${field}.configMap`) } };
  }
  if (kind === 'secret') {
    if (typeof source.secretName !== 'string' || !DNS_SUBDOMAIN.test(source.secretName))
      invalidField(`${field}.secret.secretName`, 'must name a secret (DNS subdomain)');
    return { name, secret: { secretName: source.secretName, ...projection(source, `${field}.secret`) } };
  }
  if (kind === 'hostPath') {
    if (typeof source.path !== 'string' || !source.path.startsWith('/')) invalidField(`${field}.hostPath.path`, 'must be an absolute path');
    const type = source.type ?? '';
    if (type !== '' && type !== 'Directory') invalidField(`${field}.hostPath.type`, 'must be "" or "Directory"');
    return { name, hostPath: { path: source.path, ...(type ? { type } : {}) } };
  }
  const medium = source.medium ?? '';
  if (medium !== '' && medium !== 'Memory') invalidField(`${field}.emptyDir.medium`, 'must be "" or "Memory"');
  return { name, emptyDir: medium === 'Memory' ? { medium } : {} };
}

export function validateVolumes(raw: unknown): Volume[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) invalidField('volumes', 'must be an array');
  const seen = new Set<string>();
  return raw.map((v, i) => {
    const out = volume(v, `volumes[${i}]`);
    if (seen.has(out.name)) invalidField(`volumes[${i}].name`, `duplicate volume name "${out.name}"`);
    seen.add(out.name);
    return out;
  });
}

/** Normalizes an absolute path (no `..`, no empty or `.` elements kept) or refuses it. */
export function absolutePath(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.startsWith('/')) invalidField(field, 'must be an absolute path');
  const parts = value.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) invalidField(field, "must not contain '..'");
  if (parts.length === 0) invalidField(field, 'must not be /');
  return `/${parts.join('/')}`;
}

export function validateVolumeMounts(raw: unknown, volumes: Volume[] | undefined): VolumeMount[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) invalidField('volumeMounts', 'must be an array');
  const names = new Set((volumes ?? []).map((v) => v.name));
  const paths = new Set<string>();
  return raw.map((m, i) => {
    const field = `volumeMounts[${i}]`;
    if (!isObject(m)) invalidField(field, 'must be an object');
    if (typeof m.name !== 'string' || !names.has(m.name)) invalidField(`${field}.name`, `must name one of the volumes (${[...names].join(', ') || 'none declared'})`);
    const mountPath = absolutePath(m.mountPath, `${field}.mountPath`);
    if (paths.has(mountPath)) invalidField(`${field}.mountPath`, `must be unique ("${mountPath}" is mounted twice)`);
    paths.add(mountPath);
    const readOnly = optionalBool(m.readOnly, `${field}.readOnly`);
    const subPath = m.subPath === undefined || m.subPath === '' ? undefined : relativePath(m.subPath, `${field}.subPath`);
    return { name: m.name, mountPath, ...(readOnly !== undefined ? { readOnly } : {}), ...(subPath ? { subPath } : {}) };
  });
}
