/**
 * `rbac.authorization.k8s.io/v1` Roles and RoleBindings: stored and
 * validated as Kubernetes does, never enforced (every credential of this
 * server may do everything its routes allow).
 */
import { invalidFields, type FieldProblem } from '../status.js';
import { AGE, ageOf, column, NAME } from '../table.js';
import { isPlainObject, metaFields, sameJson, type KubeObject, type ResourceDef } from '../resources.js';
import { kindSchema, list, obj, str, strings } from '../schema.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
  apiGroup?: string;
}
interface RoleRef {
  apiGroup?: string;
  kind?: string;
  name?: string;
}

function prepareRole(o: KubeObject): void {
  const rules = (Array.isArray(o.rules) ? o.rules : []) as Rule[];
  const problems: FieldProblem[] = [];
  rules.forEach((r, i) => {
    if (!isPlainObject(r as unknown)) {
      problems.push({ field: `rules[${i}]`, problem: 'Invalid value: must be an object' });
      return;
    }
    if (!r.verbs || r.verbs.length === 0) problems.push({ field: `rules[${i}].verbs`, problem: 'Required value: verbs must contain at least one value', reason: 'FieldValueRequired' });
    if (r.nonResourceURLs && r.nonResourceURLs.length > 0)
      problems.push({ field: `rules[${i}].nonResourceURLs`, problem: 'Invalid value: namespaced rules cannot apply to non-resource URLs' });
    else if (!r.apiGroups || r.apiGroups.length === 0)
      problems.push({ field: `rules[${i}].apiGroups`, problem: 'Required value: resource rules must supply at least one api group', reason: 'FieldValueRequired' });
  });
  if (problems.length > 0) throw invalidFields('Role', o.metadata.name, problems);
}

const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

function prepareRoleBinding(o: KubeObject, previous: KubeObject | undefined): void {
  const ref = (isPlainObject(o.roleRef) ? o.roleRef : {}) as RoleRef;
  const problems: FieldProblem[] = [];
  if (ref.apiGroup !== RBAC_GROUP) problems.push({ field: 'roleRef.apiGroup', problem: `Unsupported value: ${JSON.stringify(ref.apiGroup ?? '')}: supported values: "${RBAC_GROUP}"`, reason: 'FieldValueNotSupported' });
  if (ref.kind !== 'Role' && ref.kind !== 'ClusterRole')
    problems.push({ field: 'roleRef.kind', problem: `Unsupported value: ${JSON.stringify(ref.kind ?? '')}: supported values: "Role", "ClusterRole"`, reason: 'FieldValueNotSupported' });
  if (!ref.name) problems.push({ field: 'roleRef.name', problem: 'Required value', reason: 'FieldValueRequired' });
  if (previous && !sameJson(previous.roleRef, o.roleRef)) problems.push({ field: 'roleRef', problem: `Invalid value: ${JSON.stringify(o.roleRef)}: cannot change roleRef` });
  const subjects = (Array.isArray(o.subjects) ? o.subjects : []) as Subject[];
  subjects.forEach((s, i) => {
    if (!s.name) problems.push({ field: `subjects[${i}].name`, problem: 'Required value', reason: 'FieldValueRequired' });
    if (!SUBJECT_KINDS.includes(s.kind ?? '')) problems.push({ field: `subjects[${i}].kind`, problem: `Unsupported value: ${JSON.stringify(s.kind ?? '')}: supported values: "ServiceAccount", "User", "Group"`, reason: 'FieldValueNotSupported' });
    // As the API server defaults it: users and groups belong to the RBAC group.
    if ((s.kind === 'User' || s.kind === 'Group') && s.apiGroup === undefined) s.apiGroup = RBAC_GROUP;
  });
  if (problems.length > 0) throw invalidFields('RoleBinding', o.metadata.name, problems);
}

const names = (subjects: Subject[], kind: string) =>
  subjects
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');

export const roles: ResourceDef = {
  name: 'roles',
  kind: 'Role',
  group: RBAC_GROUP,
  version: 'v1',
  namespaced: true,
  shortNames: [],
  fields: { ...metaFields },
  schema: kindSchema({ rules: list(obj({ verbs: strings(), apiGroups: strings(), resources: strings(), resourceNames: strings(), nonResourceURLs: strings() }, ['verbs'])) }),
  printer: {
    columns: [NAME, column('Created At', 'date', 'When the role was created.')],
    cells: (o) => [o.metadata.name, o.metadata.creationTimestamp],
  },
  prepare: prepareRole,
};

export const roleBindings: ResourceDef = {
  name: 'rolebindings',
  kind: 'RoleBinding',
  group: RBAC_GROUP,
  version: 'v1',
  namespaced: true,
  shortNames: [],
  fields: { ...metaFields },
  schema: kindSchema({
    roleRef: obj({ apiGroup: str(), kind: str(), name: str() }, ['apiGroup', 'kind', 'name']),
    subjects: list(obj({ kind: str(), apiGroup: str(), name: str(), namespace: str() }, ['kind', 'name'])),
  }),
  printer: {
    columns: [
      NAME,
      column('Role', 'string', 'The role the binding grants.'),
      AGE,
      column('Users', 'string', 'The users of the binding.', 1),
      column('Groups', 'string', 'The groups of the binding.', 1),
      column('ServiceAccounts', 'string', 'The service accounts of the binding.', 1),
    ],
    cells(o, now) {
      const ref = (o.roleRef ?? {}) as RoleRef;
      const subjects = (Array.isArray(o.subjects) ? o.subjects : []) as Subject[];
      return [o.metadata.name, `${ref.kind}/${ref.name}`, ageOf(o, now), names(subjects, 'User'), names(subjects, 'Group'), names(subjects, 'ServiceAccount')];
    },
  },
  prepare: prepareRoleBinding,
};
