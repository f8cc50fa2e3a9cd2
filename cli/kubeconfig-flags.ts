/**
 * The options of `run`, `replay` and `explore` that point the kubeconfig
 * backend at an existing cluster (docs/cli.md, "An existing cluster"):
 * which kubeconfig and context, the namespace and Vault full name, where the
 * Vault CA comes from, and how Vault is reached. They mean nothing to the
 * other backends, so giving one there is bad usage rather than ignored.
 */
import { existsSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../common/errors.js';
import type { Backend } from '../common/record.js';
import { parseSecretKeyRef } from '../harness/backends/kubeconfig-ca.js';

export interface KubeconfigFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  release?: string;
  vaultCa?: string;
  vaultCaSecret?: string;
  vaultAccess?: 'auto' | 'pod-ip' | 'port-forward';
}

const FLAG_NAMES: Record<keyof KubeconfigFlags, string> = {
  kubeconfig: '--kubeconfig',
  context: '--context',
  namespace: '--namespace',
  release: '--release',
  vaultCa: '--vault-ca',
  vaultCaSecret: '--vault-ca-secret',
  vaultAccess: '--vault-access',
};

export function addKubeconfigFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig backend: the cluster (default $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig backend: the kubeconfig context (default its current context)')
    .option('--namespace <ns>', 'kubeconfig backend: the namespace of Vault and the manager (default vault)')
    .option('--release <fullname>', 'kubeconfig backend: the Vault full name (default sva-vault)')
    .option('--vault-ca <file>', "kubeconfig backend: PEM of the CA that signs the Vault servers' certificates")
    .option('--vault-ca-secret <name[/key]>', 'kubeconfig backend: read that CA from this secret of the namespace (key default ca.crt; default: vault-ca/tls.crt, vault-server-tls/ca.crt, <fullname>-tls/ca.crt)')
    .addOption(new Option('--vault-access <how>', 'kubeconfig backend: reach Vault at pod IPs, through port-forwards, or probe once (auto)').choices(['auto', 'pod-ip', 'port-forward']));
}

function readableFile(flag: string, file: string): void {
  if (!existsSync(file)) throw new UsageError(`${flag} ${file}: no such file`, { flag, file });
  if (!statSync(file).isFile()) throw new UsageError(`${flag} ${file}: not a file`, { flag, file });
}

/** The backend options these flags make, checked now (before anything runs); undefined when none was given. */
export function kubeconfigBackendOptions(flags: KubeconfigFlags, backend: Backend): Record<string, unknown> | undefined {
  const given = (Object.keys(FLAG_NAMES) as (keyof KubeconfigFlags)[]).filter((k) => flags[k] !== undefined);
  if (given.length === 0) return undefined;
  if (backend !== 'kubeconfig') throw new UsageError(`${given.map((k) => FLAG_NAMES[k]).join(', ')} need${given.length === 1 ? 's' : ''} --backend kubeconfig`, { backend });
  if (flags.vaultCa !== undefined && flags.vaultCaSecret !== undefined) throw new UsageError('--vault-ca and --vault-ca-secret name the same CA: give one');
  if (flags.kubeconfig !== undefined) readableFile('--kubeconfig', flags.kubeconfig);
  if (flags.vaultCa !== undefined) readableFile('--vault-ca', flags.vaultCa);
  const out: Record<string, unknown> = {};
  if (flags.kubeconfig !== undefined) out['kubeconfig'] = flags.kubeconfig;
  if (flags.context !== undefined) out['context'] = flags.context;
  if (flags.namespace !== undefined) out['namespace'] = flags.namespace;
  if (flags.release !== undefined) out['release'] = flags.release;
  if (flags.vaultCa !== undefined) out['caCertPath'] = flags.vaultCa;
  if (flags.vaultCaSecret !== undefined) out['caSecret'] = parseSecretKeyRef(flags.vaultCaSecret);
  if (flags.vaultAccess !== undefined) out['vaultAccess'] = flags.vaultAccess;
  return out;
}

/** Just these flags out of a command's options (replay rebuilds its options from the token plus these). */
export function pickKubeconfigFlags(flags: KubeconfigFlags): KubeconfigFlags {
  return Object.fromEntries((Object.keys(FLAG_NAMES) as (keyof KubeconfigFlags)[]).filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]])) as KubeconfigFlags;
}
