/**
 * Builds the Kubernetes v1 Pod object of an agent pod and its status block.
 * Only the agent writes `spec` and `status`; labels are owned by whoever
 * patches them (Vault's service registration), so status updates never touch
 * `metadata.labels`.
 */
import os from 'node:os';
import type { PodObject, WorkloadSpec } from './types.js';

export interface PodIdentity {
  workload: WorkloadSpec;
  workloadUid: string;
  name: string;
  uid: string;
  ip: string;
  node: string;
  containerName: string;
  /** the full env the container gets (pod contract + workload env) */
  env: Record<string, string>;
  command: string[];
}

export type ContainerState =
  /** not started yet: volumes not ready (ContainerCreating) or the start itself failed */
  | { kind: 'creating'; reason?: string; message?: string }
  | { kind: 'running'; startedAt: number; pid: number }
  | { kind: 'backoff'; delayMs: number }
  | { kind: 'node-down' }
  | { kind: 'terminated'; exitCode: number; signal: string | null; reason: string; finishedAt: number; startedAt: number };

export interface ContainerView {
  state: ContainerState;
  lastTerminated?: Extract<ContainerState, { kind: 'terminated' }>;
  ready: boolean;
  restartCount: number;
  everStarted: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function newPodObject(id: PodIdentity, createdAt: number): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: id.name,
      namespace: id.workload.namespace,
      uid: id.uid,
      labels: { ...id.workload.labels, 'statefulset.kubernetes.io/pod-name': id.name },
      creationTimestamp: iso(createdAt),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: id.workload.name, uid: id.workloadUid, controller: true }],
    },
    spec: {
      nodeName: id.node,
      hostname: id.name,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: id.workload.terminationGracePeriodSeconds ?? 30,
      // the Kubernetes-shaped fields as given, so `kubectl get pod -o yaml` shows what the pod runs with
      ...(id.workload.volumes ? { volumes: id.workload.volumes } : {}),
      containers: [
        {
          name: id.containerName,
          image: 'rekey-chaos/embedded-process',
          command: id.command,
          env: Object.entries(id.env).map(([name, value]) => ({ name, value })),
          ...(id.workload.volumeMounts ? { volumeMounts: id.workload.volumeMounts } : {}),
          ...(id.workload.livenessProbe ? { livenessProbe: id.workload.livenessProbe } : {}),
          ...(id.workload.readinessProbe ? { readinessProbe: id.workload.readinessProbe } : {}),
        },
      ],
    },
    status: { phase: 'Pending', podIP: id.ip, podIPs: [{ ip: id.ip }], hostIP: '127.0.0.1', conditions: [] },
  };
}

function containerStateObject(state: ContainerState): Record<string, unknown> {
  switch (state.kind) {
    case 'creating':
      return { waiting: { reason: state.reason ?? 'ContainerCreating', ...(state.message ? { message: state.message } : {}) } };
    case 'running':
      return { running: { startedAt: iso(state.startedAt) } };
    case 'backoff':
      return { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${state.delayMs}ms restarting failed container` } };
    case 'node-down':
      return { waiting: { reason: 'NodeLost', message: 'the node is down' } };
    case 'terminated':
      return {
        terminated: {
          exitCode: state.exitCode,
          // Kubernetes reports the signal as its number
          ...(state.signal ? { signal: os.constants.signals[state.signal as NodeJS.Signals] ?? 0 } : {}),
          reason: state.reason,
          startedAt: iso(state.startedAt),
          finishedAt: iso(state.finishedAt),
        },
      };
  }
}

/** Writes phase, conditions and containerStatuses[0] into `pod.status` (podIP untouched). */
export function applyContainerStatus(pod: PodObject, id: PodIdentity, view: ContainerView, at: number): void {
  const status = pod.status;
  const previousReady = (status.conditions as Array<{ type: string; status: string; lastTransitionTime: string }> | undefined)?.find(
    (c) => c.type === 'Ready',
  );
  const readyWord = view.ready ? 'True' : 'False';
  const transition = previousReady && previousReady.status === readyWord ? previousReady.lastTransitionTime : iso(at);
  status.phase = view.everStarted ? 'Running' : 'Pending';
  status.podIP = id.ip;
  status.podIPs = [{ ip: id.ip }];
  status.conditions = [
    { type: 'Ready', status: readyWord, lastTransitionTime: transition },
    { type: 'ContainersReady', status: readyWord, lastTransitionTime: transition },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: (pod.metadata.creationTimestamp as string) ?? iso(at) },
  ];
  status.containerStatuses = [
    {
      name: id.containerName,
      image: 'rekey-chaos/embedded-process',
      imageID: '',
      ready: view.ready,
      started: view.state.kind === 'running',
      restartCount: view.restartCount,
      state: containerStateObject(view.state),
      lastState: view.lastTerminated ? containerStateObject(view.lastTerminated) : {},
      containerID: `process://${id.uid}-${view.restartCount}`,
    },
  ];
}
