/** Starts a store + API server + kubeconfig for one suite; `stop()` tears everything down. */
import { ApiException } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { requestJson } from '../../../common/http-json.js';
import { KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { ObjectStore } from '../../../platform/apiserver/store.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../../platform/apiserver/server.js';
import { writeKubeconfig } from '../../../platform/apiserver/kubeconfig.js';

export interface Fixture {
  store: ObjectStore;
  server: ApiServer;
  token: string;
  kubeconfigPath: string;
  kc: KubeConfig;
  dir: string;
  /** One HTTPS request to the server, trusting its CA; with the bearer token unless `headers.authorization` is given ('' = none). */
  call(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
  stop(): Promise<void>;
  /** the same as stop(): `await using fx = await startFixture()` */
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startFixture(extra: Partial<ApiServerOptions> = {}): Promise<Fixture> {
  const store = new ObjectStore(extra.store ? {} : { historySize: 2000 });
  const token = randomBytes(16).toString('hex');
  const server = await startApiServer({ store: extra.store ?? store, token, debugEndpoints: true, ...extra });
  const dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-apiserver-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, { server: server.url, token, namespace: 'vault', caPem: server.caPem });
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const stop = async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  };
  return {
    store: server.store,
    server,
    token,
    kubeconfigPath,
    kc,
    dir,
    async call(method, path, body, headers = {}) {
      const all: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers };
      if (all.authorization === '') delete all.authorization;
      const res = await requestJson(server.url + path, { method, headers: all, ca: server.caPem, ...(body !== undefined ? { body } : {}) });
      return { status: res.status, json: res.json, text: res.text };
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Resolves when `predicate` holds, re-checking on every `poke()`; rejects after `ms` naming `what`. */
export function waitFor(what: string, predicate: () => boolean, ms = 10000): { promise: Promise<void>; poke: () => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  const poke = () => {
    if (predicate()) {
      clearTimeout(timer);
      resolve();
    }
  };
  poke();
  return { promise, poke };
}

/** The kubectl on PATH, or undefined (kubectl suites skip then; scripts/setup.sh installs one where absent). */
export function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, 'kubectl'), constants.X_OK);
      return join(dir, 'kubectl');
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Runs the real kubectl against a fixture with an isolated HOME (discovery cache) and no ambient
 * config; never rejects (look at exitCode). The kubectl dispatcher picks the kubectl release that
 * matches the server's /version, so a fixture started with `version: 'v1.27.16'` is driven by kubectl 1.27.
 */
export function kubectlFor(fx: Fixture, kubectlPath: string) {
  return (args: string[], options: { input?: string; timeoutMs?: number } = {}) =>
    execa(kubectlPath, args, {
      env: { KUBECONFIG: fx.kubeconfigPath, HOME: fx.dir, PATH: process.env.PATH ?? '' },
      extendEnv: false,
      reject: false,
      timeout: options.timeoutMs ?? 30000,
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
}

/** The ApiException a client-node call rejects with (any other rejection, or none, fails the test). */
export async function apiException(p: Promise<unknown>): Promise<ApiException<any>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return e;
    throw e;
  }
  throw new Error('expected an ApiException');
}

/** The Status object an ApiException carries. */
export const statusOf = (e: ApiException<any>) => (typeof e.body === 'string' ? JSON.parse(e.body) : e.body);
