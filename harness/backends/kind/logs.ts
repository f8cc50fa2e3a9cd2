/**
 * The pods' logs of one iteration on kind, from the kubelets through
 * `kubectl logs --since-time`: the current container and, for a container
 * that restarted (a kill -9, a node loss), the previous one, whose lines
 * before the kill belong to the iteration too. A pod deleted during the
 * iteration takes its logs with it (the kubelet keeps none for a deleted
 * pod); the collection says so instead of pretending to have them.
 * Lines are redacted before they are written; manager lines its log format
 * calls problems become `managerProblems` (I6).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { redact } from '../../../common/redact.js';
import type { CollectedLogs } from '../backend.js';
import type { ToolRunner } from './node-faults.js';

export interface LogScope {
  namespace: string;
  /** the manager's pods (their problem lines count for I6) */
  isManagerPod: (labels: Record<string, string>) => boolean;
  isProblem: (line: string) => boolean;
}

export class KindPodLogs {
  private markedAt: number | undefined;

  constructor(
    private readonly kubectl: ToolRunner,
    private readonly listPods: () => Promise<k8s.V1Pod[]>,
  ) {}

  /** From now on: earlier lines belong to no later collection. */
  mark(at: number = Date.now()): void {
    this.markedAt = at;
  }

  async collect(runDir: string, since: number, scope: LogScope): Promise<CollectedLogs> {
    const from = new Date(Math.max(since, this.markedAt ?? since)).toISOString();
    const logs: Record<string, string> = {};
    const managerProblems: string[] = [];
    const pods = await this.listPods();
    let managerSeen = false;
    await mkdir(path.join(runDir, 'logs'), { recursive: true });
    for (const pod of pods) {
      const name = pod.metadata?.name;
      if (!name) continue;
      const isManager = scope.isManagerPod(pod.metadata?.labels ?? {});
      managerSeen ||= isManager;
      const base = ['logs', '--namespace', scope.namespace, name, '--all-containers', '--timestamps', `--since-time=${from}`];
      const restarted = (pod.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0);
      const previous = restarted ? await this.kubectl('kubectl', [...base, '--previous']).then((r) => r.stdout, () => '') : '';
      const current = await this.kubectl('kubectl', base).then((r) => r.stdout, () => '');
      const lines = `${previous}\n${current}`.split('\n').filter((l) => l !== '').map(redact);
      if (lines.length === 0) continue;
      const rel = path.join('logs', `${name}.log`);
      await writeFile(path.join(runDir, rel), `${lines.join('\n')}\n`);
      logs[name] = rel;
      // The kubelet's timestamp (--timestamps) goes first; the manager's own line is what I6 reads.
      if (isManager) managerProblems.push(...lines.map((l) => l.replace(/^\S+\s/, '')).filter(scope.isProblem));
    }
    const out: CollectedLogs = { logs, managerProblems };
    if (!managerSeen) out.unavailable = `no manager pod in ${scope.namespace} when the logs were collected (a deleted pod's log is gone with it)`;
    return out;
  }
}
