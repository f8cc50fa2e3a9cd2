/**
 * The `vault-trouble` fault: a rule of transient failures armed on each
 * target server through the backend's `vaultTrouble` capability. The fault is
 * applied when every server accepted its rule; whether the rule then bit is a
 * separate fact, read (and the rule removed) once the procedure is over, so a
 * rule that never met a matching request is visible in the record instead of
 * passing for a fault that was survived.
 */
import { UsageError } from '../../common/errors.js';
import { redact } from '../../common/redact.js';
import type { TroubleEffect } from '../../common/record.js';
import type { FaultSpec } from '../../common/scenario.js';
import { UnsupportedFaultError, type ProcessCapabilities } from '../backends/backend.js';

/** A rule as armed: on which server pod, under which id. */
export interface ArmedTroubleRule {
  server: string;
  id: string;
}

/** Arms the fault's rule on one server pod; throws UnsupportedFaultError where the backend has no trouble API. */
export async function armTrouble(namespace: string, pod: string, fault: FaultSpec, processes: ProcessCapabilities): Promise<{ at: number; rule: ArmedTroubleRule }> {
  if (!processes.vaultTrouble) throw new UnsupportedFaultError('vault trouble', processes.name);
  if (!fault.trouble) throw new UsageError('a vault-trouble fault needs path, mode and count', { kind: fault.kind });
  const armed = await processes.vaultTrouble.arm(namespace, pod, fault.trouble);
  return { at: armed.at, rule: { server: pod, id: armed.id } };
}

/**
 * Reads each rule's final status and removes it. Never throws: a server that
 * restarted lost its rule (and what it counted), which is recorded as an error
 * of that rule.
 */
export async function finishTrouble(namespace: string, rules: readonly ArmedTroubleRule[], processes: ProcessCapabilities): Promise<TroubleEffect[]> {
  return Promise.all(
    rules.map(async (rule): Promise<TroubleEffect> => {
      try {
        if (!processes.vaultTrouble) throw new UnsupportedFaultError('vault trouble', processes.name);
        const status = await processes.vaultTrouble.finish(namespace, rule.server, rule.id);
        return { server: rule.server, rule: rule.id, applied: status.applied, remaining: status.remaining };
      } catch (err) {
        return { server: rule.server, rule: rule.id, error: redact(err instanceof Error ? err.message : String(err)) };
      }
    }),
  );
}
