/**
 * `run --parallel N` honours --ip-base: lane k takes 127.(X+k).Y from a base
 * 127.X.Y, so two runs on one host given different bases get disjoint
 * address ranges (before, every run's lanes took 127.(60+k).0 and collided),
 * and a range past 127.255 is bad input before anything starts.
 */
import { expect } from 'chai';
import { laneBackendOptions, type ExecOptions } from '../../cli/run-exec.js';
import { laneIpBases } from '../../cli/lanes.js';
import { UsageError } from '../../common/errors.js';
import { runMain } from './cli-helpers.js';

function exec(over: Partial<ExecOptions>): ExecOptions {
  return { backend: 'embedded', manager: 'reference', timescale: 0.02, timescaleExplicit: false, outDir: 'out', bail: false, parallel: 1, ...over };
}

/** The ip bases the lanes of a run with these options use. */
function lanesOf(opts: ExecOptions): string[] {
  return Array.from({ length: opts.parallel }, (_, k) => laneBackendOptions(opts, k, opts.parallel)['ipBase'] as string);
}

describe('cli: --parallel lanes follow --ip-base', () => {
  it('two runs given different --ip-base get disjoint lane ranges', () => {
    const a = lanesOf(exec({ parallel: 4, ipBase: '127.100.0' }));
    const b = lanesOf(exec({ parallel: 4, ipBase: '127.110.0' }));
    expect(a).to.deep.equal(['127.100.0', '127.101.0', '127.102.0', '127.103.0']);
    expect(b).to.deep.equal(['127.110.0', '127.111.0', '127.112.0', '127.113.0']);
    expect(a.filter((x) => b.includes(x))).to.deep.equal([]);
  });

  it('the third number of the base is kept for every lane', () => {
    expect(lanesOf(exec({ parallel: 2, ipBase: '127.100.7' }))).to.deep.equal(['127.100.7', '127.101.7']);
  });

  it('without --ip-base the lanes start at 127.60.0, and each lane has its own state dir', () => {
    const opts = exec({ parallel: 3, stateDir: '/tmp/s' });
    expect(lanesOf(opts)).to.deep.equal(['127.60.0', '127.61.0', '127.62.0']);
    expect(laneBackendOptions(opts, 2, 3)['stateDir']).to.equal('/tmp/s/parallel-2');
  });

  it('one lane uses --ip-base as given', () => {
    expect(laneBackendOptions(exec({ ipBase: '127.70.0' }), 0, 1)['ipBase']).to.equal('127.70.0');
  });

  it('a lane range past 127.255 is refused', () => {
    expect(laneIpBases('127.253.0', 3)).to.deep.equal(['127.253.0', '127.254.0', '127.255.0']);
    expect(() => laneIpBases('127.254.0', 3)).to.throw(UsageError, /lane 2 would need 127\.256\.0, past 127\.255; choose a base of at most 127\.253\.0/);
  });

  it('run --parallel with a base that overflows: exit 2, one line naming --ip-base, nothing planned', async () => {
    const r = await runMain(['run', '--parallel', '7', '--ip-base', '127.250.0', '--family', 'F1', '--iterations', '1', '--dry-run']);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/^rekey-chaos: --ip-base 127\.250\.0 with --parallel 7: lane 6 would need 127\.256\.0/);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stdout).to.equal('');
  });
});
