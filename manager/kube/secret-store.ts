/** SecretStore on the Kubernetes API: Opaque secrets with one data key `strdata`. */
import type * as k8s from '@kubernetes/client-node';
import { DATA_KEY, isProcedureSecret } from '../../common/secrets.js';
import { SecretExistsError } from '../errors.js';
import type { SecretStore } from '../ports.js';
import { kubeFailure, statusCodeOf } from './client.js';

function strdataOf(secret: k8s.V1Secret): string | undefined {
  const b64 = secret.data?.[DATA_KEY];
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
  return secret.stringData?.[DATA_KEY];
}

export class KubeSecretStore implements SecretStore {
  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly namespace: string,
  ) {}

  async get(name: string): Promise<string | undefined> {
    try {
      return strdataOf(await this.core.readNamespacedSecret({ name, namespace: this.namespace }));
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw kubeFailure(`get secret ${name}`, err);
    }
  }

  async create(name: string, strdata: string): Promise<void> {
    try {
      await this.core.createNamespacedSecret({
        namespace: this.namespace,
        body: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name }, data: { [DATA_KEY]: Buffer.from(strdata, 'utf8').toString('base64') } },
      });
    } catch (err) {
      if (statusCodeOf(err) === 409) throw new SecretExistsError(name);
      throw kubeFailure(`create secret ${name}`, err);
    }
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.core.deleteNamespacedSecret({ name, namespace: this.namespace });
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 404) return false;
      throw kubeFailure(`delete secret ${name}`, err);
    }
  }

  async list(): Promise<Map<string, string>> {
    let list: k8s.V1SecretList;
    try {
      list = await this.core.listNamespacedSecret({ namespace: this.namespace });
    } catch (err) {
      throw kubeFailure('list secrets', err);
    }
    const out = new Map<string, string>();
    for (const s of list.items) {
      const name = s.metadata?.name;
      if (!name || !isProcedureSecret(name)) continue;
      const data = strdataOf(s);
      if (data !== undefined) out.set(name, data);
    }
    return out;
  }
}
