/** Starts a store + API server + kubeconfig for one suite; `stop()` tears everything down. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { ObjectStore } from '../../harness/embedded/apiserver/store.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../harness/embedded/apiserver/server.js';
import { writeKubeconfig } from '../../harness/embedded/apiserver/kubeconfig.js';

export interface Fixture {
  store: ObjectStore;
  server: ApiServer;
  token: string;
  kubeconfigPath: string;
  kc: KubeConfig;
  dir: string;
  /** fetch against the server with the bearer token. */
  call(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
  stop(): Promise<void>;
}

export async function startFixture(extra: Partial<ApiServerOptions> = {}): Promise<Fixture> {
  const store = new ObjectStore(extra.store ? {} : { historySize: 2000 });
  const token = randomBytes(16).toString('hex');
  const server = await startApiServer({ store: extra.store ?? store, token, debugEndpoints: true, ...extra });
  const dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-apiserver-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, { server: server.url, token, namespace: 'vault' });
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    store: server.store,
    server,
    token,
    kubeconfigPath,
    kc,
    dir,
    async call(method, path, body, headers = {}) {
      const res = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        ...(body !== undefined ? { body } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text };
    },
    async stop() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
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
