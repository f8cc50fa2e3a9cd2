import { expect } from 'chai';
import fc from 'fast-check';
import { UsageError } from '../../common/errors.js';
import { decodeReplayToken, encodeReplayToken, replayCommand, type ReplaySpec } from '../../matrix/replay.js';

describe('matrix: replay tokens', () => {
  const spec = fc.record(
    {
      scenario: fc.oneof(fc.constantFrom('F3', 'M-vault-auth-progress-1-kill-manager+server0', 'X-7-1'), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,20}$/)),
      file: fc.constantFrom('scenarios/regressions/X-7-1.yaml', '/tmp/a b:c.yaml'),
      iteration: fc.nat(10000),
      seed: fc.nat(),
      timescale: fc.constantFrom(0.02, 1, 0.125, 1e-3),
      backend: fc.constantFrom('embedded' as const, 'kind' as const, 'kubeconfig' as const),
      manager: fc.constantFrom('reference', 'registry.local/vault-manager:1.2', 'chart=stx/vault:0.1'),
      defect: fc.constantFrom('skip-verify', 'no-backup'),
    },
    { requiredKeys: ['scenario', 'iteration', 'seed', 'timescale', 'backend', 'manager'] },
  );

  it('round-trips through the token and through the whole printed command', () => {
    fc.assert(
      fc.property(spec, (s) => {
        expect(decodeReplayToken(encodeReplayToken(s as ReplaySpec))).to.deep.equal(s);
        expect(decodeReplayToken(replayCommand(s as ReplaySpec))).to.deep.equal(s);
        expect(decodeReplayToken(`npx ${replayCommand(s as ReplaySpec)}`)).to.deep.equal(s);
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('reads as a one-liner a person can check', () => {
    expect(replayCommand({ scenario: 'F3', iteration: 2, seed: 2120, timescale: 0.02, backend: 'embedded', manager: 'reference', defect: 'skip-verify' })).to.equal(
      'rekey-chaos replay "F3:2:seed=2120:ts=0.02:backend=embedded:manager=reference:defect=skip-verify"',
    );
  });

  it('rejects malformed tokens with a usage error', () => {
    for (const bad of ['F3', 'F3:x:seed=1:ts=1:backend=embedded:manager=reference', 'F3:1:ts=1:backend=embedded:manager=reference', 'F3:1:seed=1:ts=0:backend=embedded:manager=reference', 'F3:1:seed=1:ts=1:backend=docker:manager=reference', 'F3:1:seed=1:ts=1:backend=embedded:manager=reference:color=red', 'F3:1:seed=1:seed=2:ts=1:backend=embedded:manager=r']) {
      expect(() => decodeReplayToken(bad), bad).to.throw(UsageError, 'not a replay token');
    }
  });
});
