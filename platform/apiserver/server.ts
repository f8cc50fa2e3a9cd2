/**
 * The embedded Kubernetes API server: the subset of core/v1 that
 * client-node, kubectl, the manager, the Vault double and the harness use,
 * served from an ObjectStore.
 *
 * HTTPS on loopback with bearer-token auth (every request except the health
 * probes). TLS is not optional: client-go (kubectl) never sends a bearer token
 * to an `http://` server, so plain HTTP would mean no auth for kubectl.
 * Without `tls` material an ephemeral CA is made (see serving-cert.ts) and
 * exposed as `caPem` for the kubeconfig.
 *
 * Two bearer tokens: the harness's (`token`: users, the harness, kubectl) and,
 * optionally, the pods' (`podToken`: the cluster's own programs). Both read
 * and write the API alike; they differ only in the harness-only extensions
 * (the node agent's `/rekey-chaos/v1/...` API, the write gates, the test-only
 * debug calls), which answer 403 to the pod credential, and in write gates
 * (write-gates.ts), which hold the pods' writes, never the harness's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { apiGroupDocument, apiGroupList, apiVersions, DEFAULT_GIT_VERSION, resourceList, versionInfo } from './discovery.js';
import { DEFAULT_MAX_BODY_BYTES, readBody, sendError, sendJson } from './http-util.js';
import { NamespaceLifecycle } from './namespace-lifecycle.js';
import { serveOpenApi } from './openapi-routes.js';
import type { LogProvider } from './pod-log.js';
import { handleResources } from './resource-routes.js';
import { badRequest, forbidden, methodNotAllowed, unauthorized, unknownPath } from './status.js';
import type { ObjectStore } from './store.js';
import { ephemeralServingCert, type ServingCert } from './serving-cert.js';
import { GATES_PREFIX, requestScope, WriteGates, type Credential } from './write-gates.js';

export type { LogProvider, LogRequest } from './pod-log.js';

/** Handles a request under a registered prefix; `rest` is the path after it (leading `/` kept, or ''). Throw ApiError for errors. */
export type ExtensionHandler = (req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams) => void | Promise<void>;

export interface ApiServerOptions {
  store: ObjectStore;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** 0 = a free port (default). */
  port?: number;
  token: string;
  /**
   * Bearer token of the cluster's own programs (pods). Given, the server also
   * serves the write gates at `/rekey-chaos/v1/gates` (harness token only).
   */
  podToken?: string;
  /** gitVersion reported by /version (default v1.30.2, inside the kubectl dispatcher's range). */
  version?: string;
  maxBodyBytes?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 5000 ms). */
  bookmarkIntervalMs?: number;
  logProvider?: LogProvider;
  /** Certificate, key and signing CA (PEM). Default: an ephemeral CA for this process. */
  tls?: ServingCert;
  /** Serve `POST /rekey-chaos/v1/debug/drop-watches` and `/debug/compact` (tests only; default false). */
  debugEndpoints?: boolean;
}

export interface ApiServer {
  /** `https://host:port`. */
  url: string;
  /** PEM of the CA that signed the serving certificate (for `writeKubeconfig({caPem})`). */
  caPem: string;
  host: string;
  port: number;
  store: ObjectStore;
  registerExtension(prefix: string, handler: ExtensionHandler): void;
  setLogProvider(provider: LogProvider | undefined): void;
  /** The write gates (present when `podToken` was given). */
  gates?: WriteGates;
  /** Ends every open watch stream cleanly (clients see the server close it). Returns how many. */
  dropWatches(): number;
  close(): Promise<void>;
}

const OPEN_PATHS = new Set(['/healthz', '/readyz', '/livez']);

const digest = (token: string) => createHash('sha256').update(token).digest();

/** Which credential an Authorization header carries, or undefined (then 401). */
function credentialMatcher(token: string, podToken: string | undefined): (header: string | undefined) => Credential | undefined {
  if (token === '') throw badRequest('the API server needs a non-empty bearer token');
  if (podToken !== undefined && (podToken === '' || podToken === token)) throw badRequest('the pod token must be non-empty and differ from the harness token');
  const harness = digest(token);
  const pod = podToken === undefined ? undefined : digest(podToken);
  return (header) => {
    const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!m) return undefined;
    const got = digest(m[1]!.trim());
    if (timingSafeEqual(got, harness)) return 'harness';
    if (pod && timingSafeEqual(got, pod)) return 'pod';
    return undefined;
  };
}

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { store } = options;
  const host = options.host ?? '127.0.0.1';
  const gitVersion = options.version ?? DEFAULT_GIT_VERSION;
  const credentialOf = credentialMatcher(options.token, options.podToken);
  const extensions = new Map<string, ExtensionHandler>();
  const watches = new Set<() => void>();
  let logProvider = options.logProvider;
  let address = '';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const gates = options.podToken !== undefined ? new WriteGates(store, maxBodyBytes) : undefined;
  if (gates) extensions.set(GATES_PREFIX, (req, res, rest) => gates.handleApi(req, res, rest));

  const namespaces = new NamespaceLifecycle(store);
  namespaces.start();
  const ctx = {
    store,
    namespaces,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000,
    watches: { add: (c: () => void) => void watches.add(c), delete: (c: () => void) => void watches.delete(c) },
    logProvider: () => logProvider,
  };

  const dropWatches = () => {
    const all = [...watches];
    for (const close of all) close();
    return all.length;
  };

  const findExtension = (path: string): [string, ExtensionHandler] | undefined => {
    let best: [string, ExtensionHandler] | undefined;
    for (const [prefix, handler] of extensions) {
      if ((path === prefix || path.startsWith(prefix + '/')) && (!best || prefix.length > best[0].length)) best = [prefix, handler];
    }
    return best;
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = req.method ?? 'GET';
    if (OPEN_PATHS.has(path)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const credential = credentialOf(req.headers.authorization);
    if (!credential) throw unauthorized();
    const ext = findExtension(path);
    if (ext) {
      if (credential !== 'harness') throw forbidden(`${path} is a harness-only extension; the pod credential may not use it`);
      return ext[1](req, res, path.slice(ext[0].length), url.searchParams);
    }
    let segments: string[];
    try {
      segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    } catch {
      throw badRequest(`malformed URL path: ${path}`);
    }
    const readOnly = () => {
      if (method !== 'GET') throw methodNotAllowed(method);
    };
    switch (path) {
      case '/version':
        readOnly();
        return sendJson(res, 200, versionInfo(gitVersion));
      case '/api':
        readOnly();
        return sendJson(res, 200, apiVersions(address));
      case '/apis':
        readOnly();
        return sendJson(res, 200, apiGroupList(store));
    }
    if (segments[0] === 'openapi') {
      readOnly();
      return serveOpenApi(req, res, store, gitVersion, segments.slice(1));
    }
    // The group/version prefix: `/api/v1` (core) or `/apis/{group}/{version}`.
    const core = segments[0] === 'api';
    if (!core && segments[0] !== 'apis') throw unknownPath();
    const group = core ? '' : (segments[1] ?? '');
    const version = core ? segments[1] : segments[2];
    const rest = segments.slice(core ? 2 : 3);
    if (!core && version === undefined) {
      readOnly();
      const doc = apiGroupDocument(store, group);
      if (!doc) throw unknownPath();
      return sendJson(res, 200, doc);
    }
    if (rest.length === 0) {
      readOnly();
      const doc = resourceList(store, group, version ?? '');
      if (!doc) throw unknownPath();
      return sendJson(res, 200, doc);
    }
    {
      // The whole body first, then admission, then dispatch in the same tick: a write gate that is
      // open at admission is still open at the commit (handleResources does not yield before it).
      const body = BODYLESS.has(method) ? Buffer.alloc(0) : await readBody(req, maxBodyBytes);
      if (gates && !(await gates.admit(credential, method, res))) {
        res.destroy();
        return;
      }
      return requestScope.run({ credential, method, path, res }, () => handleResources(ctx, req, res, group, version!, rest, url.searchParams, body));
    }
    throw unknownPath();
  }

  const tls = options.tls ?? (await ephemeralServingCert(host));
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      // Drain what is left of the body so the connection stays usable for the error answer.
      req.resume();
      if (res.headersSent) res.destroy();
      else sendError(res, err);
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // A client that fails the TLS handshake (wrong CA, plain HTTP) must not take the server down.
  server.on('tlsClientError', () => {});

  if (options.debugEndpoints) {
    extensions.set('/rekey-chaos/v1/debug', (req, res, rest) => {
      if (req.method !== 'POST') throw methodNotAllowed(req.method ?? '');
      if (rest === '/drop-watches') return sendJson(res, 200, { dropped: dropWatches() });
      if (rest === '/compact') {
        store.compact();
        return sendJson(res, 200, { compactedTo: store.oldestResumableVersion() });
      }
      throw unknownPath();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;

  return {
    url: `https://${address}`,
    caPem: tls.caPem,
    host,
    port,
    store,
    registerExtension(prefix, handler) {
      const clean = prefix.replace(/\/+$/, '');
      if (!clean.startsWith('/') || clean.startsWith('/api')) throw badRequest(`extension prefix must be an absolute path outside /api: "${prefix}"`);
      extensions.set(clean, handler);
    },
    setLogProvider(provider) {
      logProvider = provider;
    },
    ...(gates ? { gates } : {}),
    dropWatches,
    close: () =>
      new Promise<void>((resolve) => {
        gates?.dispose();
        namespaces.stop();
        dropWatches();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
