/**
 * The agent's LogProvider for the API's `pods/{name}/log`: container output
 * from `<stateDir>/logs/<pod>/<container>-<restartCount>.log`, with
 * `previous` (the run before the last restart), `tailLines` and `follow`
 * (new output is yielded until the followed run ends or the client leaves).
 */
import fs from 'node:fs';
import { delay } from '../../common/clock.js';
import type { LogChunks, LogProvider, LogRequest } from '../apiserver/pod-log.js';
import { badRequest } from '../apiserver/status.js';
import type { NodeAgent } from './agent.js';
import { AgentRequestError } from './errors.js';

const FOLLOW_POLL_MS = 50;

function lastLines(text: string, n: number): string {
  if (n <= 0) return '';
  const lines = text.split('\n');
  const trailingNewline = lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  return lines.slice(-n).join('\n') + (trailingNewline && lines.length > 0 ? '\n' : '');
}

function readFrom(file: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

async function* follow(file: string, start: number, running: () => boolean, signal: AbortSignal): LogChunks {
  let offset = start;
  while (!signal.aborted) {
    const stillRunning = running();
    const fresh = readFrom(file, offset);
    if (fresh.length > 0) {
      offset += fresh.length;
      yield fresh;
    } else if (!stillRunning) {
      return;
    }
    try {
      await delay(FOLLOW_POLL_MS, signal);
    } catch {
      return;
    }
  }
}

export function agentLogProvider(agent: NodeAgent): LogProvider {
  return async function* (request: LogRequest): LogChunks {
    const name = request.pod.metadata.name;
    let files: ReturnType<NodeAgent['logFiles']>;
    try {
      files = agent.logFiles(request.namespace, name);
    } catch (err) {
      if (err instanceof AgentRequestError) throw badRequest(`pod "${name}" is not run by the node agent`);
      throw err;
    }
    if (request.container !== undefined && request.container !== files.container)
      throw badRequest(`container ${request.container} is not valid for pod ${name}`);
    if (request.previous && files.previous === undefined)
      throw badRequest(`previous terminated container "${files.container}" in pod "${name}" not found`);
    const file = request.previous ? files.previous! : files.current;
    const whole = readFrom(file, 0);
    const first = request.tailLines === undefined ? whole : Buffer.from(lastLines(whole.toString('utf8'), request.tailLines));
    if (first.length > 0) yield first;
    if (request.follow && !request.previous) yield* follow(file, whole.length, files.running, request.signal);
  };
}
