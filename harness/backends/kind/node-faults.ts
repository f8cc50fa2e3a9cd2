/**
 * Process-level faults on kind, done the way the test matrix does them on
 * real nodes: on the node, not through Kubernetes. The node is a Docker
 * container named like the Kubernetes Node; crictl inside it finds the
 * container of the pod and its host-namespace pid, and `kill -9` from the
 * node's PID namespace always lands (even on a container's PID 1).
 *
 * Node loss kills the node container and starts it again after the down
 * time. Docker may give the restarted container another address on the kind
 * network; the node only counts as back once the kubelet reports Ready with
 * the address the container now has, since the API server reaches pods
 * (logs, port-forwards) through that address.
 */
import { EnvironmentError } from '../../../common/errors.js';
import { delay, nowMs } from '../../../common/clock.js';
import type { ToolName, ToolResult } from '../tools.js';

/** Runs a tool with the backend's environment (tests put recording fakes there). */
export type ToolRunner = (tool: ToolName, args: string[], input?: string) => Promise<ToolResult>;

/** A lost node that did not come back: its container would not start, or it never became Ready. */
export class NodeRestartError extends EnvironmentError {
  constructor(node: string, what: string, cause?: unknown) {
    super(`kind node ${node} did not come back after node loss: ${what}`, { node }, cause === undefined ? undefined : { cause });
  }
}

export async function killPodProcessOnNode(runTool: ToolRunner, node: string, namespace: string, pod: string): Promise<{ at: number; pid: number }> {
  const { stdout: ids } = await runTool('docker', [
    'exec', node, 'crictl', 'ps', '-q', '--state', 'running',
    '--label', `io.kubernetes.pod.namespace=${namespace}`,
    '--label', `io.kubernetes.pod.name=${pod}`,
  ]);
  const containerId = ids.split('\n').map((s) => s.trim()).find(Boolean);
  if (!containerId) throw new EnvironmentError(`no running container of pod ${namespace}/${pod} on node ${node}`, { node, pod });
  const { stdout: pidText } = await runTool('docker', ['exec', node, 'crictl', 'inspect', '-o', 'go-template', '--template', '{{.info.pid}}', containerId]);
  const pid = Number(pidText.trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new EnvironmentError(`crictl reported no usable pid for ${pod} (${pidText.trim()})`, { node, pod });
  await runTool('docker', ['exec', node, 'kill', '-9', String(pid)]);
  return { at: nowMs(), pid };
}

/** The node container's address on the kind network ('' when Docker reports none). */
export async function nodeContainerIp(runTool: ToolRunner, node: string): Promise<string> {
  const { stdout } = await runTool('docker', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', node]);
  return stdout.trim().split(/\s+/)[0] ?? '';
}

/** How a lost node came back. */
export interface NodeReturn {
  node: string;
  /** when `docker start` returned and when the node was Ready again (nowMs) */
  startedAt: number;
  readyAt: number;
  ipBefore: string;
  ipAfter: string;
}

export interface NodeLossOptions {
  /** reads the Node's InternalIP from the API (undefined while it reports none) */
  nodeInternalIp: (node: string) => Promise<string | undefined>;
  /** the most the node may take to be Ready at its new address after `docker start` */
  readyTimeoutMs: number;
  /** cuts the down time short (the node is started at once) */
  signal?: AbortSignal;
}

/**
 * Loss of a whole node: its container is killed now and started again after
 * downMs. `restored` settles once the node is Ready at its current address;
 * it rejects with a NodeRestartError (the caller must hold on to it: the
 * backend awaits it before its next deploy and in down()).
 */
export async function failNodeContainer(runTool: ToolRunner, node: string, downMs: number, options: NodeLossOptions): Promise<{ at: number; restored: Promise<NodeReturn> }> {
  const ipBefore = await nodeContainerIp(runTool, node).catch(() => '');
  await runTool('docker', ['kill', node]);
  const at = nowMs();
  const restored = (async (): Promise<NodeReturn> => {
    await delay(downMs, options.signal).catch(() => undefined);
    try {
      await runTool('docker', ['start', node]);
    } catch (err) {
      throw new NodeRestartError(node, `docker start failed: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const startedAt = nowMs();
    const ipAfter = await nodeContainerIp(runTool, node).catch(() => '');
    const seconds = Math.max(1, Math.ceil(options.readyTimeoutMs / 1000));
    try {
      await runTool('kubectl', ['wait', '--for=condition=Ready', `node/${node}`, `--timeout=${seconds}s`]);
    } catch (err) {
      throw new NodeRestartError(node, `not Ready within ${seconds} s`, err);
    }
    // Ready may still be the stale status of before the kill; the address is the kubelet's own report.
    const deadline = startedAt + options.readyTimeoutMs;
    for (;;) {
      const reported = await options.nodeInternalIp(node).catch(() => undefined);
      if (ipAfter === '' || reported === ipAfter) break;
      if (nowMs() > deadline) throw new NodeRestartError(node, `its Node still reports address ${reported ?? '(none)'} instead of ${ipAfter}`);
      await delay(500);
    }
    return { node, startedAt, readyAt: nowMs(), ipBefore, ipAfter };
  })();
  return { at, restored };
}
