/**
 * Secrets scan: looks through every file under some folders (Allure results,
 * run dirs, generated HTML) for the actual secret values a run used — each
 * shard, unseal key and root token — in every encoding a report could carry
 * them: hex (either case), base64, base64url, raw bytes, percent-encoded,
 * and base64-inside-base64 (single-file reports embed attachments as base64,
 * so a hex shard inside an attachment shows up only in that form). gzip files
 * are scanned decompressed.
 *
 * Findings name the file, the secret by role and fingerprint, and the
 * encoding — never the value.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UsageError } from '../common/errors.js';
import { keyFingerprint, shardFingerprint, tokenFingerprint } from '../common/fingerprint.js';

export interface SecretValues {
  shards?: Uint8Array[];
  unsealKeys?: Uint8Array[];
  rootTokens?: string[];
}

export interface SecretFinding {
  file: string;
  /** e.g. `shard fp=1a2b3c4d`, `unseal key fp=…`, `root token fp=…` */
  secret: string;
  encoding: string;
  offset: number;
}

interface Needle {
  secret: string;
  encoding: string;
  bytes: Buffer;
}

/** The characters of base64(prefix ‖ text) that depend on `text` alone, for each of the three alignments. */
function nestedBase64(text: string): string[] {
  const out: string[] = [];
  const body = Buffer.from(text, 'latin1');
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), body]).toString('base64');
    const start = k === 0 ? 0 : k + 1; // chars that mix prefix bits are dropped
    const end = Math.floor(((k + body.length) * 8) / 6); // chars that mix padding bits are dropped
    if (end - start >= 16) out.push(encoded.slice(start, end));
  }
  return out;
}

function textForms(secret: string, forms: Record<string, string>): Needle[] {
  const needles: Needle[] = [];
  for (const [encoding, text] of Object.entries(forms)) {
    needles.push({ secret, encoding, bytes: Buffer.from(text, 'latin1') });
    if (/[+/=]/.test(text)) needles.push({ secret, encoding: `${encoding} percent-encoded`, bytes: Buffer.from(encodeURIComponent(text), 'latin1') });
    nestedBase64(text).forEach((inner) => needles.push({ secret, encoding: `${encoding} inside base64`, bytes: Buffer.from(inner, 'latin1') }));
  }
  return needles;
}

function binaryNeedles(secret: string, value: Uint8Array): Needle[] {
  const buf = Buffer.from(value);
  const hex = buf.toString('hex');
  const b64 = buf.toString('base64');
  // base64 without its padding: a value cut differently (`keys_base64` inside other text) still matches
  const b64Core = b64.replace(/=+$/, '');
  const forms: Record<string, string> = { hex, 'hex (upper case)': hex.toUpperCase(), base64: b64Core, base64url: buf.toString('base64url') };
  return [{ secret, encoding: 'raw bytes', bytes: buf }, ...textForms(secret, forms)];
}

export function secretNeedles(values: SecretValues): Needle[] {
  const needles: Needle[] = [];
  for (const shard of values.shards ?? []) needles.push(...binaryNeedles(`shard fp=${shardFingerprint(shard)}`, shard));
  for (const key of values.unsealKeys ?? []) needles.push(...binaryNeedles(`unseal key fp=${keyFingerprint(key)}`, key));
  for (const token of values.rootTokens ?? []) {
    const secret = `root token fp=${tokenFingerprint(token)}`;
    needles.push(...textForms(secret, { text: token, base64: Buffer.from(token).toString('base64').replace(/=+$/, '') }));
  }
  // Dedupe identical byte strings (base64 and base64url agree when the value has no + or /).
  const seen = new Set<string>();
  return needles.filter((n) => {
    const k = `${n.secret}\0${n.bytes.toString('latin1')}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

function contentsOf(path: string): Buffer {
  const raw = readFileSync(path);
  if (raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return Buffer.concat([raw, gunzipSync(raw)]);
    } catch {
      return raw; // not really gzip: scan the bytes as they are
    }
  }
  return raw;
}

/**
 * Scans every regular file under each of `dirs` (recursively; a plain file
 * path is scanned too) for every secret in `values`. A folder that does not
 * exist is an error, so a mistyped path cannot make the scan pass.
 */
export function scanForSecrets(dirs: string[], values: SecretValues): SecretFinding[] {
  const needles = secretNeedles(values);
  if (needles.length === 0) throw new UsageError('scanForSecrets: no secret values to look for', { dirs });
  const findings: SecretFinding[] = [];
  for (const dir of dirs) {
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw new UsageError(`scanForSecrets: ${dir} does not exist`, { dir });
    }
    for (const file of isDir ? walk(dir) : [dir]) {
      const content = contentsOf(file);
      for (const needle of needles) {
        const offset = content.indexOf(needle.bytes);
        if (offset >= 0) findings.push({ file, secret: needle.secret, encoding: needle.encoding, offset });
      }
    }
  }
  return findings;
}

/** One line per finding, safe to print (no values). */
export function formatFindings(findings: SecretFinding[]): string {
  return findings.map((f) => `${f.file}: ${f.secret} (${f.encoding}) at byte ${f.offset}`).join('\n');
}
