/**
 * Small HTTP helpers of the embedded API server: reading a bounded body,
 * parsing JSON into a 400 on failure, and writing JSON or Status answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, statusOf, tooLarge } from './status.js';

/** Kubernetes' own request body limit is about 3 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole body; past `limit` bytes it stops reading and throws 413. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      return reject(tooLarge(limit));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(badRequest(`error reading request body: ${err.message}`));
      }
    });
  });
}

export function parseJson(body: Buffer, what: string): unknown {
  if (body.length === 0) throw badRequest(`${what}: request body is empty`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`${what}: malformed JSON: ${(err as Error).message}`);
  }
}

/** The media type without parameters, lower-cased (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Answers that must wait (a write gate closed by this very request); see holdReply. */
const replyHolds = new WeakMap<ServerResponse, Promise<void>>();

/**
 * The next answer sent on `res` waits until `until` settles. The request's
 * effect is already committed; only the client's knowledge of it waits. A
 * client gone meanwhile gets nothing.
 */
export function holdReply(res: ServerResponse, until: Promise<void>): void {
  replyHolds.set(res, until);
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const hold = replyHolds.get(res);
  if (hold) {
    replyHolds.delete(res);
    void hold.then(() => {
      if (!res.destroyed) writeJson(res, code, body);
    });
    return;
  }
  writeJson(res, code, body);
}

function writeJson(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** Answers with the Status of an error (ApiError or anything else as 500). */
export function sendError(res: ServerResponse, err: unknown): void {
  const status = statusOf(err);
  sendJson(res, status.code, status);
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** A query flag in Kubernetes' spelling: `true`, `1` (and `True`) are on. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && ['true', '1'].includes(v.toLowerCase());
}

/** An optional non-negative integer query parameter; anything else is 400. */
export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`query parameter ${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}
