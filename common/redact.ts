/**
 * Last line of defence for secrets hygiene: scrubs anything shaped like a
 * Vault shard (66 hex chars / 44 base64 chars of 33 bytes, or a raw 32-byte
 * key) or a Vault token from free text before it is logged or reported.
 * Components must not put secrets into messages in the first place; this
 * only catches mistakes.
 */
const PATTERNS: RegExp[] = [
  /\b[0-9a-fA-F]{64,66}\b/g, // hex shard (33 bytes) or raw key (32 bytes)
  /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}[A-Za-z0-9+/=](?![A-Za-z0-9+/=])/g, // base64 of 32/33 bytes
  /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/g, // Vault service/batch/recovery tokens
  /\bs\.[A-Za-z0-9]{24}\b/g, // legacy Vault tokens
];

export function redact(text: string): string {
  let out = text;
  for (const re of PATTERNS) out = out.replace(re, '[REDACTED]');
  return out;
}

/** True when the text contains something that looks like a shard or a token. */
export function looksSecret(text: string): boolean {
  return PATTERNS.some((re) => {
    re.lastIndex = 0;
    const hit = re.test(text);
    re.lastIndex = 0;
    return hit;
  });
}
