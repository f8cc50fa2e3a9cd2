/**
 * Pure helpers of the secret watch: resourceVersion ordering and the
 * difference between the last known state and a fresh list (what happened
 * while the watch was blind).
 */

export interface KnownSecret {
  name: string;
  uid?: string;
  resourceVersion?: string;
  strdata: string;
}

export interface SecretStateDiff {
  /** names present before and gone now, or replaced by a new object (different uid) */
  deleted: string[];
  /** secrets new in the list, including the re-creations of replaced ones */
  added: KnownSecret[];
  /** same object, different content */
  modified: KnownSecret[];
}

export function diffSecretStates(before: ReadonlyMap<string, KnownSecret>, after: ReadonlyMap<string, KnownSecret>): SecretStateDiff {
  const diff: SecretStateDiff = { deleted: [], added: [], modified: [] };
  for (const name of [...before.keys()].sort()) {
    const now = after.get(name);
    const was = before.get(name)!;
    if (!now) diff.deleted.push(name);
    else if (was.uid !== undefined && now.uid !== undefined && was.uid !== now.uid) {
      diff.deleted.push(name);
      diff.added.push(now);
    } else if (was.strdata !== now.strdata) diff.modified.push(now);
  }
  for (const name of [...after.keys()].sort()) if (!before.has(name)) diff.added.push(after.get(name)!);
  return diff;
}

/**
 * True when `rv` is not newer than `last`. Kubernetes says resourceVersions
 * are opaque, but every real server (etcd revisions) and the embedded one use
 * decimal integers; anything else is never treated as a duplicate.
 */
export function isNotNewer(rv: string, last: string | undefined): boolean {
  if (last === undefined) return false;
  if (!/^[0-9]+$/.test(rv) || !/^[0-9]+$/.test(last)) return false;
  return BigInt(rv) <= BigInt(last);
}
