/**
 * Namespaces: cluster-scoped, Active until deleted, then Terminating while
 * their content goes (namespace-lifecycle.ts). The label
 * `kubernetes.io/metadata.name` always equals the name, as Kubernetes keeps it.
 */
import { invalidFields } from '../status.js';
import { AGE, ageOf, column, NAME } from '../table.js';
import { isPlainObject, path, type ResourceDef } from '../resources.js';
import { kindSchema, obj, open, str, strings } from '../schema.js';

const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const NAME_LABEL = 'kubernetes.io/metadata.name';

export const namespaces: ResourceDef = {
  name: 'namespaces',
  kind: 'Namespace',
  group: '',
  version: 'v1',
  namespaced: false,
  shortNames: ['ns'],
  hasStatus: true,
  fields: { 'metadata.name': (o) => path(o, 'metadata', 'name'), 'status.phase': (o) => path(o, 'status', 'phase') },
  schema: kindSchema({ spec: obj({ finalizers: strings() }), status: open() }),
  printer: {
    columns: [NAME, column('Status', 'string', 'The status of the namespace.'), AGE],
    cells: (o, now) => [o.metadata.name, String((o.status as { phase?: string } | undefined)?.phase ?? 'Active'), ageOf(o, now)],
  },
  prepare(o) {
    const name = o.metadata.name;
    if (name.length > 63 || !LABEL_RE.test(name))
      throw invalidFields('Namespace', name, [
        {
          field: 'metadata.name',
          problem: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
        },
      ]);
    o.metadata.labels = { ...(o.metadata.labels ?? {}), [NAME_LABEL]: name };
    o.spec = isPlainObject(o.spec) ? o.spec : {};
    (o.spec as { finalizers?: string[] }).finalizers ??= ['kubernetes'];
    if (!isPlainObject(o.status)) o.status = { phase: 'Active' };
  },
};
