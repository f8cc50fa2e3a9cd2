/**
 * Byte-level expectations of a Vault answer, as Vault's Go HTTP server writes
 * it: the reason phrase of net/http, `Cache-Control: no-store` on everything,
 * JSON documents of exactly one line ending in one "\n" (json.Encoder) with
 * `Content-Type: application/json` and an exact Content-Length, a 204 with the
 * JSON type and no body nor length, a 307 with a Location and no type, and no
 * header Go does not send (Node's `Keep-Alive`, `Connection: keep-alive`).
 * Written from Go's documented behaviour, independently of the double's code.
 */
import { expect } from 'chai';
import type { VaultReply } from './client.js';

/** net/http's StatusText for the codes the suites meet; Go writes `status code N` for codes it has no text for. */
const GO_REASON: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  307: 'Temporary Redirect',
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** Headers Vault's API sends by default (no custom headers configured), with Go's canonical spelling. */
const VAULT_HEADERS = new Set(['Cache-Control', 'Content-Type', 'Content-Length', 'Date', 'Connection', 'Location']);

/** json: a JSON document; empty: 204-style, no body; redirect: 307 with a Location; head: a HEAD answer to a JSON endpoint. */
export type WireKind = 'json' | 'empty' | 'redirect' | 'head';

function values(r: VaultReply, name: string): string[] {
  return r.rawHeaders.filter(([n]) => n === name).map(([, v]) => v);
}

/** Asserts the status line, the headers and the body bytes of `r` (see the module comment). */
export function expectWire(r: VaultReply, status: number, kind: WireKind = 'json'): void {
  const what = `${r.status} ${JSON.stringify(r.text)}`;
  expect(r.status, what).to.equal(status);
  expect(r.statusMessage, what).to.equal(GO_REASON[status] ?? `status code ${status}`);
  for (const [name] of r.rawHeaders) expect(VAULT_HEADERS.has(name), `header ${name} (${what})`).to.equal(true);
  expect(values(r, 'Cache-Control'), what).to.deep.equal(['no-store']);
  expect(values(r, 'Date'), what).to.have.length(1);
  for (const v of values(r, 'Connection')) expect(v.toLowerCase(), what).to.equal('close');
  const length = values(r, 'Content-Length');
  if (kind === 'json') {
    expect(values(r, 'Content-Type'), what).to.deep.equal(['application/json']);
    expect(length, what).to.deep.equal([String(Buffer.byteLength(r.text))]);
    expect(r.text.endsWith('\n'), `body ends with "\\n": ${what}`).to.equal(true);
    expect(r.text.indexOf('\n'), `one line, one "\\n": ${what}`).to.equal(r.text.length - 1);
    expect(JSON.parse(r.text), what).to.deep.equal(r.body);
    return;
  }
  expect(r.text, what).to.equal('');
  if (kind === 'redirect') {
    expect(values(r, 'Location'), what).to.have.length(1);
    expect(values(r, 'Content-Type'), what).to.deep.equal([]);
    expect(length, what).to.deep.equal(['0']);
    return;
  }
  expect(values(r, 'Content-Type'), what).to.deep.equal(['application/json']);
  // Go sends no Content-Length with a 204, nor with a HEAD answer it wrote no body for.
  expect(length, what).to.deep.equal([]);
}
