/**
 * Reading Vault's answers: the few fields and error texts the procedure keys
 * on (docs/procedure.md, "The Vault calls"). Kept in one place so that every step
 * interprets "authentication failed" and "rekey status" the same way.
 */
import type { VaultResponse } from '../ports.js';

export const AUTH_FAILURE_TEXT = 'cipher: message authentication failed';
export const REKEY_IN_PROGRESS_TEXT = 'rekey already in progress';

export interface RekeyStatus {
  started: boolean;
  nonce: string;
  progress: number;
  required: number;
  verificationRequired: boolean;
  /** '' when none */
  verificationNonce: string;
}

export interface VerifyStatus {
  nonce: string;
  started: boolean;
  progress: number;
}

export function errorText(res: VaultResponse): string {
  return res.errors.join('; ');
}

/** The combined key was rejected: the set is not the one Vault uses. */
export function isAuthFailure(res: VaultResponse): boolean {
  return res.errors.some((e) => e.includes(AUTH_FAILURE_TEXT));
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function parseRekeyStatus(res: VaultResponse): RekeyStatus | undefined {
  if (res.status !== 200 || !res.body) return undefined;
  const b = res.body;
  return {
    started: b.started === true,
    nonce: str(b.nonce),
    progress: num(b.progress),
    required: num(b.required),
    verificationRequired: b.verification_required === true,
    verificationNonce: str(b.verification_nonce),
  };
}

export function parseVerifyStatus(res: VaultResponse): VerifyStatus | undefined {
  if (res.status !== 200 || !res.body) return undefined;
  return { nonce: str(res.body.nonce), started: res.body.started === true, progress: num(res.body.progress) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A rekey whose update phase finished under require_verification (verification pending). */
export function hasVerificationNonce(status: RekeyStatus): boolean {
  return status.started && UUID.test(status.verificationNonce);
}

/** Health answer → coarse state. */
export type HealthState = 'active' | 'standby' | 'sealed' | 'uninitialized' | 'unknown';

export function healthState(res: VaultResponse): HealthState {
  switch (res.status) {
    case 200:
      return res.body?.sealed === true ? 'sealed' : 'active';
    case 429:
      return 'standby';
    case 503:
      return 'sealed';
    case 501:
      return 'uninitialized';
    default:
      return 'unknown';
  }
}

/** Vault's label value for a version: characters outside letters, digits, `-_.` become `-`. */
export function versionLabel(version: string): string {
  return version.replace(/[^A-Za-z0-9_.-]/g, '-');
}

export function toHex(share: Uint8Array): string {
  return Buffer.from(share).toString('hex');
}
