/**
 * Errors of the agent API, carrying the HTTP status and Kubernetes `reason`
 * the extension answers with (Status objects, like the rest of the API).
 */
import { RekeyChaosError } from '../../common/errors.js';

export type AgentErrorReason = 'NotFound' | 'Invalid' | 'Conflict' | 'BadRequest';

const STATUS: Record<AgentErrorReason, number> = { NotFound: 404, Invalid: 422, Conflict: 409, BadRequest: 400 };

export class AgentRequestError extends RekeyChaosError {
  readonly reason: AgentErrorReason;
  readonly httpStatus: number;
  constructor(reason: AgentErrorReason, message: string, context: Record<string, unknown> = {}) {
    super(message, 2, { ...context, reason });
    this.reason = reason;
    this.httpStatus = STATUS[reason];
  }
}

/** A workload spec field that fails validation: 422 with the field's path, before anything runs. */
export function invalidField(field: string, problem: string): never {
  throw new AgentRequestError('Invalid', `workload ${field}: ${problem}`, { field });
}
