/** Temp dirs and small files for the manager-spec tests (removed in `after` hooks). */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HarnessManagerValues } from '../../harness/manager-spec/values.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const DEMO_CHART = path.join(FIXTURES, 'charts', 'demo');

export const HARNESS: HarnessManagerValues = {
  namespace: 'vault',
  releaseName: 'sva-vault-manager',
  vaultName: 'vault',
  vaultFullname: 'sva-vault',
  haReplicas: 3,
  statusCheckRateS: 2,
};

export class TempDir {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-manager-spec-'));
  file(rel: string, text: string, mode?: number): string {
    const file = path.join(this.dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, mode !== undefined ? { mode } : {});
    return file;
  }
  /** A chart dir with the given templates (name → text) and values.yaml. */
  chart(name: string, templates: Record<string, string>, values = ''): string {
    const dir = path.join(this.dir, name);
    this.file(`${name}/Chart.yaml`, `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`);
    this.file(`${name}/values.yaml`, values);
    for (const [file, text] of Object.entries(templates)) this.file(`${name}/templates/${file}`, text);
    return dir;
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The error a sync or async function throws (fails the test when it throws nothing). */
export async function caught(fn: () => unknown): Promise<Error & { exitCode?: number }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { exitCode?: number };
  }
  throw new Error('expected an error, none was thrown');
}

/** The `data` of a rendered ConfigMap (empty when it has none). */
export function configMapData(object: unknown): Record<string, string> {
  const data = (object as { data?: Record<string, string> } | undefined)?.data;
  return data ?? {};
}
