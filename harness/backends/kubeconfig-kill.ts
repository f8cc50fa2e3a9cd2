/**
 * `kill -9` of a container's main process through the Kubernetes Exec API,
 * and the proof that it landed.
 *
 * Why a proof: the exec'd shell runs inside the container's PID namespace,
 * and the kernel drops every signal sent from inside a PID namespace to its
 * PID 1 unless PID 1 installed a handler for it — SIGKILL can never have
 * one, so `kill -9 1` returns 0 and nothing happens. In a pod without
 * `shareProcessNamespace: true` the main process (Vault's server, a bash
 * manager like StarlingX's `init.sh`) *is* PID 1, so a kill through exec
 * cannot land there at all. Recording such a kill as applied would judge an
 * iteration on a fault that never happened.
 *
 * So the default command never signals PID 1: it looks for the main process
 * by name among the processes started from outside the namespace (parent pid
 * 0: a container's main process in a shared namespace, whose PID 1 is the
 * pause container; a bash's own subshells have the bash as parent and are
 * not mistaken for it), kills those, and exits with a code of its own when
 * the only match is PID 1 or there is none. Either exit code is a
 * `KillNotLandedError` at once. A zero exit is then checked against the
 * kubelet's own account: the container's restart count or ID changes, it is
 * reported terminated, or the pod is replaced, within `confirmMs`. Without
 * that, the kill did not land either (a custom command that hit the wrong
 * process, a probe's shell that happened to share the name).
 *
 * The fault runner turns a `KillNotLandedError` into a "not hit" target
 * with this message as the reason (harness/faults/inject.ts).
 */
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { nowMs } from '../../common/clock.js';
import { EnvironmentError, RekeyChaosError } from '../../common/errors.js';

/** Exit codes of the default kill script, chosen clear of shells' own (126, 127, 128+n). */
export const EXIT_MAIN_IS_PID1 = 86;
export const EXIT_NO_SUCH_PROCESS = 87;

/** The kill reached no main process; `reason` says why (it becomes the fault's "not hit" reason). */
export class KillNotLandedError extends RekeyChaosError {
  constructor(
    readonly pod: string,
    readonly container: string,
    readonly reason: string,
  ) {
    super(`kill -9 in ${pod}/${container} did not land: ${reason}`, 3, { pod, container, reason });
  }
}

/**
 * POSIX sh (busybox, dash, bash): kill -9 every process named `name` whose
 * parent is outside the namespace, never PID 1. Names come from our own
 * options, never from the cluster, and are checked by `killScript`.
 */
export function killScript(name: string): string[] {
  if (!/^[A-Za-z0-9._-]{1,15}$/.test(name)) throw new EnvironmentError(`not a process name: ${JSON.stringify(name)}`, { name });
  const script = [
    `n=${name}; t=`,
    'for d in /proc/[0-9]*; do',
    '  p=${d#/proc/}',
    '  [ "$p" = 1 ] || [ "$p" = $$ ] && continue',
    '  [ "$(cat $d/comm 2>/dev/null)" = "$n" ] || continue',
    '  s=$(cat $d/stat 2>/dev/null) || continue',
    '  set -- $s',
    '  [ "$4" = 0 ] && t="$t $p"',
    'done',
    'if [ -z "$t" ]; then',
    `  if [ "$(cat /proc/1/comm 2>/dev/null)" = "$n" ]; then echo "main process $n is PID 1 of the container's PID namespace"; exit ${EXIT_MAIN_IS_PID1}; fi`,
    `  echo "no $n process started by the container runtime (PID 1 is $(cat /proc/1/comm 2>/dev/null))"; exit ${EXIT_NO_SUCH_PROCESS}`,
    'fi',
    'kill -9 $t',
  ].join('\n');
  return ['sh', '-c', script];
}

const PID1_ADVICE = 'the kernel ignores SIGKILL sent to PID 1 from inside its PID namespace; give the pod shareProcessNamespace: true, or use a delete-pod fault';

interface ContainerMark {
  uid: string;
  restartCount: number;
  containerID: string | undefined;
}

function markOf(pod: k8s.V1Pod, container: string): ContainerMark {
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  return { uid: pod.metadata?.uid ?? '', restartCount: status?.restartCount ?? 0, containerID: status?.containerID };
}

/** Did the container die since `before`, by the pod's status? */
function containerDied(pod: k8s.V1Pod, container: string, before: ContainerMark): boolean {
  if ((pod.metadata?.uid ?? '') !== before.uid) return true;
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (!status) return false;
  if ((status.restartCount ?? 0) > before.restartCount) return true;
  if (status.containerID !== undefined && before.containerID !== undefined && status.containerID !== before.containerID) return true;
  return status.state?.terminated !== undefined || (before.containerID !== undefined && status.lastState?.terminated?.containerID === before.containerID);
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

interface ExecOutcome {
  exitCode: number | undefined;
  output: string;
  /** the stream ended without a status (the runtime may drop it when the main process dies) */
  closedWithoutStatus: boolean;
  message?: string;
}

function exitCodeOf(status: k8s.V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : undefined;
}

async function execOnce(kc: k8s.KubeConfig, namespace: string, pod: string, container: string, command: string[]): Promise<ExecOutcome> {
  const out = new PassThrough();
  let output = '';
  out.on('data', (chunk: Buffer) => {
    if (output.length < 2000) output += chunk.toString('utf8');
  });
  return new Promise<ExecOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: ExecOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    new k8s.Exec(kc)
      .exec(namespace, pod, container, command, out, out, null, false, (status) => {
        finish({ exitCode: exitCodeOf(status), output, closedWithoutStatus: false, ...(status.message !== undefined ? { message: status.message } : {}) });
      })
      .then((ws) => ws.on('close', () => finish({ exitCode: undefined, output, closedWithoutStatus: true })), (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(err);
      });
  });
}

export interface ExecKillOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  /** how long the kubelet gets to report the container dead (default 30 s) */
  confirmMs?: number;
  /** between status reads while confirming (default 250 ms) */
  pollMs?: number;
}

/** Kills through exec and returns when the kill was sent and the container was seen dead; else KillNotLandedError. */
export async function execKill(options: ExecKillOptions): Promise<{ at: number }> {
  const { kc, namespace, pod, container, command } = options;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const before = markOf(await core.readNamespacedPod({ namespace, name: pod }), container);
  let result: ExecOutcome;
  try {
    result = await execOnce(kc, namespace, pod, container, command);
  } catch (err) {
    throw new EnvironmentError(`exec into ${pod}/${container} failed: ${(err as Error).message}`, { pod, container }, { cause: err });
  }
  const sentAt = nowMs();
  const said = result.output.trim().split('\n').pop() ?? '';
  if (result.exitCode === EXIT_MAIN_IS_PID1) throw new KillNotLandedError(pod, container, `${said}; ${PID1_ADVICE}`);
  if (result.exitCode === EXIT_NO_SUCH_PROCESS) throw new KillNotLandedError(pod, container, said);
  // A non-zero exit other than the kill's own (137: the shell died with the container) means the command failed.
  if (result.exitCode !== undefined && result.exitCode !== 0 && result.exitCode !== 137) {
    throw new KillNotLandedError(pod, container, `the kill command exited ${result.exitCode}${said ? `: ${said}` : ''}`);
  }
  const confirmMs = options.confirmMs ?? 30_000;
  const deadline = nowMs() + confirmMs;
  for (;;) {
    try {
      if (containerDied(await core.readNamespacedPod({ namespace, name: pod }), container, before)) return { at: sentAt };
    } catch (err) {
      if (isNotFound(err)) return { at: sentAt }; // deleted after the kill: the process is gone with it
      throw new EnvironmentError(`reading pod ${pod} after the kill failed: ${(err as Error).message}`, { pod }, { cause: err });
    }
    if (nowMs() >= deadline) break;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
  throw new KillNotLandedError(pod, container, `the container did not restart within ${confirmMs} ms of the kill (restart count ${before.restartCount}, same container ID)`);
}
