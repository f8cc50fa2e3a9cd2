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
      const { KindBackend } = await import('./kind/backend.js');
      return new KindBackend(options);
    }
    default:
      throw new UsageError(`unknown backend '${String(name)}' (embedded, kind, kubeconfig)`);
  }
}
