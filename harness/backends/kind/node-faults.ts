/**
 * Process-level faults on kind, done the way the test matrix does them on
 * real nodes: on the node, not through Kubernetes. The node is a Docker
 * container named like the Kubernetes Node; crictl inside it finds the
 * container of the pod and its host-namespace pid, and `kill -9` from the
 * node's PID namespace always lands (even on a container's PID 1).
 */
import { EnvironmentError } from '../../../common/errors.js';
import { nowMs } from '../../../common/clock.js';
import type { ToolName, ToolResult } from '../tools.js';

/** Runs a tool with the backend's environment (tests put recording fakes there). */
export type ToolRunner = (tool: ToolName, args: string[]) => Promise<ToolResult>;

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

/** Loss of a whole node: its container is killed, and started again after downMs. */
export async function failNodeContainer(runTool: ToolRunner, node: string, downMs: number, signal?: AbortSignal): Promise<{ at: number; restored: Promise<void> }> {
  await runTool('docker', ['kill', node]);
  const at = nowMs();
  const restored = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      runTool('docker', ['start', node]).then(() => resolve(), reject);
    }, downMs);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      runTool('docker', ['start', node]).then(() => resolve(), reject);
    });
  });
  return { at, restored };
}
