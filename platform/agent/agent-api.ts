/**
 * The agent API (harness-only extension under `/rekey-chaos/v1/`, on the API
 * server's port with the same bearer token; docs/architecture.md): workloads,
 * process kill, node loss, the process list. Errors are Kubernetes Status
 * objects like the rest of the API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson, readBody, sendError, sendJson } from '../apiserver/http-util.js';
import { ApiError, badRequest } from '../apiserver/status.js';
import type { NodeAgent } from './agent.js';
import { AgentRequestError } from './errors.js';

export const AGENT_API_PREFIX = '/rekey-chaos/v1';
const MAX_BODY = 256 * 1024;
const SIGNALS = new Set<NodeJS.Signals>(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGSTOP', 'SIGCONT', 'SIGUSR1', 'SIGUSR2']);

async function jsonBody(req: IncomingMessage, what: string, optional: boolean): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_BODY);
  if (body.length === 0 && optional) return {};
  const parsed = parseJson(body, what);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest(`${what}: body must be a JSON object`);
  return parsed as Record<string, unknown>;
}

function toApiError(err: unknown): unknown {
  if (err instanceof AgentRequestError) return new ApiError(err.httpStatus, err.reason, err.message);
  return err;
}

function notAllowed(method: string, path: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `${method} is not supported on ${AGENT_API_PREFIX}/${path}`);
}

/** Serves one request; `segments` are the path parts after `/rekey-chaos/v1/`. */
export async function handleAgentApi(agent: NodeAgent, req: IncomingMessage, res: ServerResponse, segments: string[]): Promise<void> {
  const method = req.method ?? 'GET';
  const path = segments.join('/');
  try {
    const [first, second, third, fourth, fifth, ...rest] = segments;
    if (first === 'workloads' && second === undefined) {
      if (method !== 'GET') throw notAllowed(method, path);
      return sendJson(res, 200, agent.listWorkloads());
    }
    if (first === 'workloads' && second !== undefined && third === undefined) {
      if (method === 'GET') {
        const found = agent.listWorkloads().find((w) => w.name === second);
        if (!found) throw new AgentRequestError('NotFound', `workload "${second}" not found`);
        return sendJson(res, 200, found);
      }
      if (method === 'PUT') return sendJson(res, 200, await agent.putWorkload(await jsonBody(req, 'workload', false), second));
      if (method === 'DELETE') {
        await agent.deleteWorkload(second);
        return sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name: second, kind: 'workloads' } });
      }
      throw notAllowed(method, path);
    }
    if (first === 'namespaces' && third === 'pods' && fifth === 'kill' && rest.length === 0 && second && fourth) {
      if (method !== 'POST') throw notAllowed(method, path);
      const body = await jsonBody(req, 'kill', true);
      const signal = (body.signal ?? 'SIGKILL') as NodeJS.Signals;
      if (!SIGNALS.has(signal)) throw new AgentRequestError('Invalid', `signal must be one of ${[...SIGNALS].join(', ')}`, { signal });
      return sendJson(res, 200, agent.killProcess(second, fourth, signal));
    }
    if (first === 'namespaces' && third === 'pods' && fifth === 'exec' && rest.length === 0 && second && fourth) {
      if (method !== 'POST') throw notAllowed(method, path);
      const body = await jsonBody(req, 'exec', false);
      const command = body.command;
      if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string'))
        throw new AgentRequestError('Invalid', 'command must be a non-empty array of strings');
      const timeoutMs = body.timeoutMs ?? 10_000;
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > 600_000) throw new AgentRequestError('Invalid', 'timeoutMs must be a number 1..600000');
      return sendJson(res, 200, await agent.execInPod(second, fourth, command as string[], timeoutMs));
    }
    if (first === 'nodes' && second === undefined) {
      if (method !== 'GET') throw notAllowed(method, path);
      return sendJson(res, 200, agent.nodeStatus());
    }
    if (first === 'nodes' && second && third === 'fail' && fourth === undefined) {
      if (method !== 'POST') throw notAllowed(method, path);
      const body = await jsonBody(req, 'node failure', false);
      if (typeof body.downMs !== 'number') throw new AgentRequestError('Invalid', 'downMs must be a number of milliseconds');
      return sendJson(res, 200, agent.failNode(second, body.downMs));
    }
    if (first === 'processes' && second === undefined) {
      if (method !== 'GET') throw notAllowed(method, path);
      return sendJson(res, 200, agent.processes());
    }
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${AGENT_API_PREFIX}/${path})`);
  } catch (err) {
    sendError(res, toApiError(err));
  }
}
