/**
 * Kubernetes `Status` errors. Every failure of the embedded API server, from
 * the store up to the HTTP layer, is an `ApiError` carrying the exact Status
 * object a real API server would send, so clients (`@kubernetes/client-node`,
 * kubectl) see the codes and reasons they are written against.
 */
import { RekeyChaosError } from '../../common/errors.js';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Expired'
  | 'Gone'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'NotImplemented'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError';

export interface StatusDetails {
  name?: string;
  kind?: string;
  causes?: Array<{ reason?: string; message: string; field?: string }>;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends RekeyChaosError {
  readonly status: KubeStatus;
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message, 1, { code, reason, ...(details?.kind ? { resource: details.kind } : {}), ...(details?.name ? { objectName: details.name } : {}) });
    this.code = code;
    this.reason = reason;
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    };
  }
}

/** The Status body for an arbitrary thrown value: ApiErrors keep theirs, anything else is a 500. */
export function statusOf(err: unknown): KubeStatus {
  if (err instanceof ApiError) return err.status;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `internal error: ${message}`).status;
}

export const notFound = (resource: string, name: string) =>
  new ApiError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });

export const unknownPath = () =>
  new ApiError(404, 'NotFound', 'the server could not find the requested resource');

export const alreadyExists = (resource: string, name: string) =>
  new ApiError(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });

export const conflict = (resource: string, name: string, why: string) =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, { name, kind: resource });

/** One field problem of a 422: `problem` in Kubernetes' wording, e.g. `Required value` or `Invalid value: "x": why`. */
export interface FieldProblem {
  field: string;
  problem: string;
  /** FieldValueInvalid (default), FieldValueRequired, FieldValueForbidden, FieldValueDuplicate, FieldValueNotSupported, FieldValueTooLong. */
  reason?: string;
}

/** 422 Invalid with one or more field problems; `kind` is the object kind (e.g. `Secret`), as Kubernetes reports it. */
export function invalidFields(kind: string, name: string, problems: FieldProblem[]): ApiError {
  const each = problems.map((p) => `${p.field}: ${p.problem}`);
  const what = each.length === 1 ? each[0]! : `[${each.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${what}`, {
    name,
    kind,
    causes: problems.map((p) => ({ reason: p.reason ?? 'FieldValueInvalid', message: p.problem, field: p.field })),
  });
}

/** 422 Invalid for one field. */
export const invalid = (kind: string, name: string, field: string, problem: string, reason = 'FieldValueInvalid') => invalidFields(kind, name, [{ field, problem, reason }]);

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

/** 410: the requested resourceVersion is older than the retained watch history. */
export const gone = (requested: string, oldest: number) =>
  new ApiError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);

export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');

export const forbidden = (message: string, details?: StatusDetails) => new ApiError(403, 'Forbidden', message, details);

export const methodNotAllowed = (method: string) =>
  new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method}`);

export const tooLarge = (limit: number) =>
  new ApiError(413, 'RequestEntityTooLarge', `request body larger than ${limit} bytes`);

export const unsupportedMediaType = (contentType: string) =>
  new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json (got "${contentType}")`);
