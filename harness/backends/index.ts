/**
 * The backend factory, by name. Backends load lazily so `run` on the
 * embedded cluster never loads kind's tooling and vice versa.
 */
import { UsageError } from '../../common/errors.js';
import type { Backend as BackendName } from '../../common/record.js';
import type { ClusterBackend } from './backend.js';

export async function createBackend(name: BackendName, options: Record<string, unknown> = {}): Promise<ClusterBackend> {
  switch (name) {
    case 'embedded': {
      const { EmbeddedBackend } = await import('./embedded.js');
      return new EmbeddedBackend(options);
    }
    case 'kubeconfig': {
      const { KubeconfigBackend } = await import('./kubeconfig.js');
      return new KubeconfigBackend(options);
    }
    case 'kind': {
      // The kind backend is built separately (harness/backends/kind/); it exports `createKindBackend(options)`.
      const specifier = './kind/backend.js';
      const mod = (await import(specifier)) as { createKindBackend?: (o: Record<string, unknown>) => ClusterBackend; KindBackend?: new (o: Record<string, unknown>) => ClusterBackend };
      if (mod.createKindBackend) return mod.createKindBackend(options);
      if (mod.KindBackend) return new mod.KindBackend(options);
      throw new UsageError('the kind backend module does not export createKindBackend or KindBackend');
    }
    default:
      throw new UsageError(`unknown backend '${String(name)}' (embedded, kind, kubeconfig)`);
  }
}
