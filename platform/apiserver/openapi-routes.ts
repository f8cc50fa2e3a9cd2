/**
 * `/openapi/v2`, `/openapi/v3` and `/openapi/v3/{api/v1 | apis/group/version}`
 * (documents in openapi.ts). v3 is JSON only; v2 is JSON or protobuf, as
 * the Accept header prefers (client-go asks for protobuf only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-util.js';
import { openApiV2, openApiV3, openApiV3Index, parseV3Key } from './openapi.js';
import { encodeOpenApiV2 } from './openapi-v2-proto.js';
import { ApiError, unknownPath } from './status.js';
import type { ObjectStore } from './store.js';

/** True when the Accept header admits JSON (absent, `*\/*`, `application/*` or `application/json`, with or without parameters). */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0]!.trim().toLowerCase();
    return type === '*/*' || type === 'application/*' || type === 'application/json';
  });
}

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** Whether the Accept header names the v2 protobuf type before any JSON type (or without one). */
function prefersProtobuf(accept: string | undefined): boolean {
  for (const part of (accept ?? '').split(',')) {
    const type = part.split(';')[0]!.trim().toLowerCase();
    if (type === OPENAPI_V2_PROTOBUF) return true;
    if (acceptsJson(type)) return false;
  }
  return false;
}

export function serveOpenApi(req: IncomingMessage, res: ServerResponse, store: ObjectStore, gitVersion: string, segments: string[]): void {
  const [version, ...rest] = segments;
  if (version === 'v2' && rest.length === 0 && prefersProtobuf(req.headers.accept)) {
    const body = encodeOpenApiV2(openApiV2(store, gitVersion));
    // Go's mime parser (client-go) refuses the '@' of the requested type as a response type; real servers answer octet-stream.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length, 'Cache-Control': 'no-cache, private' });
    res.end(body);
    return;
  }
  if (!acceptsJson(req.headers.accept))
    throw new ApiError(406, 'NotAcceptable', `OpenAPI documents are served as application/json (and v2 also as ${OPENAPI_V2_PROTOBUF}), not as ${req.headers.accept}`);
  if (version === 'v2' && rest.length === 0) return sendJson(res, 200, openApiV2(store, gitVersion));
  if (version === 'v3' && rest.length === 0) return sendJson(res, 200, openApiV3Index(store, gitVersion));
  if (version === 'v3') {
    const gv = parseV3Key(rest.join('/'));
    const doc = gv && openApiV3(store, gv.group, gv.version, gitVersion);
    if (doc) return sendJson(res, 200, doc);
  }
  throw unknownPath();
}
