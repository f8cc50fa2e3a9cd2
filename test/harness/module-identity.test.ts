/**
 * One module graph under mocha: an error thrown by a lazily imported backend
 * is an instance of the classes this spec imports statically. (Loaded through
 * require(esm), tsx compiled the spec's static graph to CommonJS while the
 * backends' dynamic import() loaded a second, ESM copy of errors.ts, and
 * `instanceof` failed across the two; .mocharc.cjs turns require(esm) off.)
 */
import { expect } from 'chai';
import { EnvironmentError, RekeyChaosError, UsageError, exitCodeOf } from '../../common/errors.js';
import { createBackend } from '../../harness/backends/index.js';

describe('harness module identity under mocha', () => {
  it('this spec is an ES module, not a CommonJS compilation of one', () => {
    expect(typeof require, 'require() exists only in a CommonJS module').to.equal('undefined');
    expect(import.meta.url).to.match(/^file:/);
  });

  it('errors from lazily imported backends are instances of the statically imported classes', async () => {
    const embedded = await createBackend('embedded', {});
    const notUp = await embedded.deploy({ manager: { kind: 'reference' } }).then(() => undefined, (e: unknown) => e);
    expect(notUp).to.be.instanceOf(EnvironmentError);
    expect(exitCodeOf(notUp)).to.equal(3);

    const kubeconfig = await createBackend('kubeconfig', { kubeconfig: '/nonexistent/kubeconfig' });
    const unreachable = await kubeconfig.up().then(() => undefined, (e: unknown) => e);
    expect(unreachable).to.be.instanceOf(RekeyChaosError);
    expect(unreachable).to.be.instanceOf(EnvironmentError);
  });

  it('the factory gives each backend its own class by name, and refuses an unknown name', async () => {
    expect((await createBackend('kind', {})).name).to.equal('kind');
    expect((await createBackend('kubeconfig', {})).name).to.equal('kubeconfig');
    expect((await createBackend('embedded', {})).name).to.equal('embedded');
    const unknown = await createBackend('nope' as never).then(() => undefined, (e: unknown) => e);
    expect(unknown).to.be.instanceOf(UsageError);
  });
});
