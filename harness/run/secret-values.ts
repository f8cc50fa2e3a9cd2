/**
 * The secret values a procedure secret carries, in every encoding the leak
 * scan must look for: a shard as hex and base64, the root token as is.
 * Milestone secrets (request ids) are not secret.
 */
import { parseShard, parseShardSecretName, ROOT_TOKEN_SECRET, rootTokenOf } from '../../common/secrets.js';

export function secretValuesOf(name: string, strdata: string): string[] {
  if (name === ROOT_TOKEN_SECRET) return [rootTokenOf(strdata)];
  if (!parseShardSecretName(name)) return [];
  const share = parseShard(strdata);
  return share ? [Buffer.from(share).toString('hex'), Buffer.from(share).toString('base64')] : [strdata];
}
