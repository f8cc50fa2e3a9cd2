/**
 * The plan for `script:<file>`, an already rendered vault-manager script.
 * It matches what the chart deploys: the script in a ConfigMap mounted at
 * /opt/script/init.sh, run as `bash /opt/script/init.sh`, with CA_CERT
 * naming tls.crt of the CA Secret `vault-ca` mounted at /mnt/data/ca.
 * The script was rendered elsewhere, so nothing can be forced into it; its
 * status rate and Vault version are read from its own top-level
 * assignments (`STATUS_RATE=5`, `VAULT_VERSION=1.14.0`) when it has them.
 */
import { readFileSync } from 'node:fs';
import { STARLINGX_LOG_FORMAT } from './log-format.js';
import type { ManagerPlan } from './plan-types.js';
import type { KubeObject } from './render.js';
import type { HarnessManagerValues } from './values.js';

export const SCRIPT_MOUNT_DIR = '/opt/script';
export const SCRIPT_KEY = 'init.sh';
export const CA_SECRET_NAME = 'vault-ca';
export const CA_MOUNT_DIR = '/mnt/data/ca';
export const CA_KEY = 'tls.crt';

function assignment(script: string, name: string): string | undefined {
  return new RegExp(`^[ \\t]*${name}=([^\\s#;]+)[ \\t]*$`, 'm').exec(script)?.[1];
}

export function scriptPlan(input: { spec: string; file: string; harness: HarnessManagerValues }): ManagerPlan {
  const script = readFileSync(input.file, 'utf8');
  const h = input.harness;
  const configMapName = `${h.vaultFullname}-manager-script`;
  const configMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configMapName, namespace: h.namespace },
    data: { [SCRIPT_KEY]: script },
  };
  const plan: ManagerPlan = {
    source: 'script',
    spec: input.spec,
    renderer: 'none',
    namespace: h.namespace,
    workload: { kind: 'StatefulSet', name: `${h.vaultFullname}-manager` },
    podLabels: { 'app.kubernetes.io/name': `${h.vaultName}-manager`, 'app.kubernetes.io/instance': h.releaseName, component: 'manager' },
    replicas: 1,
    container: {
      name: 'manager',
      argv: ['bash', `${SCRIPT_MOUNT_DIR}/${SCRIPT_KEY}`],
      command: [],
      args: ['bash', `${SCRIPT_MOUNT_DIR}/${SCRIPT_KEY}`],
      env: [{ name: 'CA_CERT', value: `${CA_MOUNT_DIR}/${CA_KEY}` }],
    },
    volumeMounts: [
      { name: 'manager-script', mountPath: SCRIPT_MOUNT_DIR, readOnly: true },
      { name: 'vault-ca', mountPath: CA_MOUNT_DIR, readOnly: true },
    ],
    volumes: [
      { name: 'manager-script', configMap: { name: configMapName } },
      { name: 'vault-ca', secret: { secretName: CA_SECRET_NAME } },
    ],
    objects: [configMap],
    clusterObjects: [],
    configMaps: [configMapName],
    externalSecrets: [CA_SECRET_NAME],
    caCert: { env: 'CA_CERT', path: `${CA_MOUNT_DIR}/${CA_KEY}`, secretName: CA_SECRET_NAME, key: CA_KEY },
    overrides: [],
    logFormat: STARLINGX_LOG_FORMAT,
  };
  const rate = assignment(script, 'STATUS_RATE');
  if (rate !== undefined && /^[1-9][0-9]*$/.test(rate)) plan.statusRateS = Number(rate);
  const version = assignment(script, 'VAULT_VERSION');
  if (version !== undefined) plan.vaultVersion = version;
  return plan;
}
