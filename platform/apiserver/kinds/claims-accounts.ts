/**
 * PersistentVolumeClaims and ServiceAccounts: stored with Kubernetes'
 * validation and defaults. No provisioner binds a claim here (they stay
 * Pending unless a writer of their status says otherwise), and no token
 * controller adds secrets to an account.
 */
import { invalidFields, type FieldProblem } from '../status.js';
import { AGE, ageOf, column, NAME } from '../table.js';
import { isPlainObject, metaFields, sameJson, type KubeObject, type ResourceDef } from '../resources.js';
import { bool, intOrString, kindSchema, list, mapOf, obj, open, str, strings } from '../schema.js';

const ACCESS_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

interface ClaimSpec {
  accessModes?: string[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  storageClassName?: string;
  volumeName?: string;
  volumeMode?: string;
  volumeAttributesClassName?: string;
  [k: string]: unknown;
}

const claimSpecOf = (o: KubeObject) => (isPlainObject(o.spec) ? o.spec : {}) as ClaimSpec;

function prepareClaim(o: KubeObject, previous: KubeObject | undefined): void {
  const spec = claimSpecOf(o);
  o.spec = spec;
  spec.volumeMode ??= 'Filesystem';
  const problems: FieldProblem[] = [];
  const modes = spec.accessModes ?? [];
  if (modes.length === 0) problems.push({ field: 'spec.accessModes', problem: 'Required value: at least 1 access mode is required', reason: 'FieldValueRequired' });
  modes.forEach((m) => {
    if (!(m in ACCESS_MODES))
      problems.push({ field: 'spec.accessModes', problem: `Unsupported value: ${JSON.stringify(m)}: supported values: ${Object.keys(ACCESS_MODES).map((k) => `"${k}"`).join(', ')}`, reason: 'FieldValueNotSupported' });
  });
  if (spec.resources?.requests?.storage === undefined) problems.push({ field: 'spec.resources[storage]', problem: 'Required value', reason: 'FieldValueRequired' });
  if (previous) {
    // Only the storage request (expansion) may change after creation.
    const frozen = (s: ClaimSpec) => ({ ...s, resources: { ...s.resources, requests: undefined } });
    if (!sameJson(frozen(spec), frozen(claimSpecOf(previous))))
      problems.push({ field: 'spec', problem: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims', reason: 'FieldValueForbidden' });
  }
  if (!isPlainObject(o.status)) o.status = { phase: 'Pending' };
  if (problems.length > 0) throw invalidFields('PersistentVolumeClaim', o.metadata.name, problems);
}

export const persistentVolumeClaims: ResourceDef = {
  name: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
  group: '',
  version: 'v1',
  namespaced: true,
  shortNames: ['pvc'],
  hasStatus: true,
  fields: { ...metaFields },
  schema: kindSchema({
    spec: obj({
      accessModes: strings(),
      resources: obj({ requests: mapOf(intOrString()), limits: mapOf(intOrString()) }),
      selector: open(),
      storageClassName: str(),
      volumeName: str(),
      volumeMode: str(),
      volumeAttributesClassName: str(),
      dataSource: open(),
      dataSourceRef: open(),
    }),
    status: open(),
  }),
  printer: {
    columns: [
      NAME,
      column('Status', 'string', 'The phase of the claim.'),
      column('Volume', 'string', 'The volume bound to the claim.'),
      column('Capacity', 'string', 'The capacity of the bound volume.'),
      column('Access Modes', 'string', 'The access modes of the bound volume.'),
      column('StorageClass', 'string', 'The storage class of the claim.'),
      column('VolumeAttributesClass', 'string', 'The volume attributes class of the claim.'),
      AGE,
      column('VolumeMode', 'string', 'Whether the volume is a filesystem or a block device.', 1),
    ],
    cells(o, now) {
      const spec = claimSpecOf(o);
      const status = (o.status ?? {}) as { phase?: string; capacity?: Record<string, unknown>; accessModes?: string[] };
      const modes = (status.accessModes ?? []).map((m) => ACCESS_MODES[m] ?? m).join(',');
      return [
        o.metadata.name,
        status.phase ?? 'Pending',
        spec.volumeName ?? '',
        status.capacity?.storage !== undefined ? String(status.capacity.storage) : '',
        modes,
        spec.storageClassName ?? '<unset>',
        spec.volumeAttributesClassName ?? '<unset>',
        ageOf(o, now),
        spec.volumeMode ?? 'Filesystem',
      ];
    },
  },
  prepare: prepareClaim,
};

const reference = obj({ name: str() });

export const serviceAccounts: ResourceDef = {
  name: 'serviceaccounts',
  kind: 'ServiceAccount',
  group: '',
  version: 'v1',
  namespaced: true,
  shortNames: ['sa'],
  fields: { ...metaFields },
  schema: kindSchema({
    secrets: list(obj({ name: str(), namespace: str(), kind: str(), apiVersion: str(), uid: str(), resourceVersion: str(), fieldPath: str() }), { key: 'name' }),
    imagePullSecrets: list(reference),
    automountServiceAccountToken: bool(),
  }),
  printer: {
    columns: [NAME, column('Secrets', 'integer', 'The number of secrets of the service account.'), AGE],
    cells: (o, now) => [o.metadata.name, Array.isArray(o.secrets) ? o.secrets.length : 0, ageOf(o, now)],
  },
  prepare(o) {
    for (const field of ['secrets', 'imagePullSecrets'])
      if (o[field] !== undefined && !Array.isArray(o[field])) throw invalidFields('ServiceAccount', o.metadata.name, [{ field, problem: 'Invalid value: must be a list' }]);
  },
};
