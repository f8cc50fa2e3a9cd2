/**
 * Images into the kind nodes: `kind load docker-image` fails with Docker's
 * containerd image store, so a failed load falls back to `docker save` +
 * `kind load image-archive`; and the build context of the manager's image
 * (the repository root) leaves out what must never enter an image.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../common/repo-root.js';
import { EnvironmentError } from '../../common/errors.js';
import { loadImages } from '../../harness/backends/kind/images.js';
import { runTool } from '../../harness/backends/tools.js';
import type { ToolRunner } from '../../harness/backends/kind/node-faults.js';
import { startFakeKind, type FakeKind } from './fake-cluster.js';

const CONTAINERD_STORE_ERROR = 'ERROR: failed to load image: command "docker save -o /tmp/images-tar123/images.tar hashicorp/vault:1.14.0" failed with error: exit status 1: Error response from daemon: content digest sha256:0f3a: not found';

describe('kind: loading images into the nodes', function () {
  this.timeout(30_000);
  let k: FakeKind;
  beforeEach(async () => {
    k = await startFakeKind();
  });
  afterEach(() => k.stop());
  const runner = (env: NodeJS.ProcessEnv): ToolRunner => (tool, args, input) => runTool(tool, args, { env, ...(input !== undefined ? { input } : {}) });

  it('falls back to docker save + kind load image-archive when docker-image fails (containerd image store)', async () => {
    await loadImages(runner(k.env({ FAKE_FAIL: `kind load docker-image=${CONTAINERD_STORE_ERROR}` })), 'rekey-chaos', ['hashicorp/vault:1.14.0']);
    const c = (await k.calls()).map((x) => `${x.tool} ${x.args.join(' ')}`);
    expect(c[0]).to.equal('kind load docker-image hashicorp/vault:1.14.0 --name rekey-chaos');
    expect(c[1]).to.match(/^docker save -o (\S+image\.tar) hashicorp\/vault:1\.14\.0$/);
    const archive = /-o (\S+)/.exec(c[1]!)![1]!;
    expect(c[2]).to.equal(`kind load image-archive ${archive} --name rekey-chaos`);
  });

  it('a load that fails both ways is an EnvironmentError naming the image and both reasons', async () => {
    const env = k.env({ FAKE_FAIL: `kind load docker-image=${CONTAINERD_STORE_ERROR};;docker save=Error response from daemon: reference does not exist` });
    const err = await loadImages(runner(env), 'rekey-chaos', ['rekey-chaos/vault-manager:dev']).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as Error).message).to.match(/^cannot load image rekey-chaos\/vault-manager:dev into kind cluster rekey-chaos: docker-image load failed \(.*content digest.*\), and so did the archive fallback \(.*reference does not exist\)$/);
  });
});

/** Docker's .dockerignore semantics, as far as these patterns need: a path is out when it or a parent matches. */
function ignored(patterns: string[], file: string): boolean {
  const regex = (p: string) =>
    new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0001').replace(/\*\*/g, '\u0002').replace(/\*/g, '[^/]*').replace(/\u0001/g, '(?:.*/)?').replace(/\u0002/g, '.*')}$`);
  const parts = file.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  return patterns.some((p) => prefixes.some((prefix) => regex(p).test(prefix)));
}

describe('kind: the image build context', () => {
  const patterns = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

  it('leaves out dependencies, state dirs, keys, run output and git', () => {
    for (const file of ['node_modules/yaml/package.json', '.rekey-chaos/kind/pki/ca.key', '.rekey-chaos/embedded/state.json', 'some/where/.rekey-chaos/x', 'out/runs/r1/record.json', 'out/allure-results/a.json', '.git/HEAD', 'ci/secret.key', 'deploy/pki/ca.crt']) {
      expect(ignored(patterns, file), file).to.equal(true);
    }
  });

  it('keeps what the reference manager image copies', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'manager', 'deploy', 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied).to.include.members(['package.json', 'package-lock.json', 'common/', 'manager/']);
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'common/secrets.ts', 'manager/main.ts']) expect(ignored(patterns, file), file).to.equal(false);
  });
});
