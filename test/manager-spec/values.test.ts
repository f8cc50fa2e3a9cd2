import { expect } from 'chai';
import { UsageError } from '../../common/errors.js';
import { describeOverrides } from '../../harness/manager-spec/plan.js';
import { parseManagerSpec } from '../../harness/manager-spec/spec.js';
import { forcedValues, mergeAllValues, statusRateSecondsFor, type Values } from '../../harness/manager-spec/values.js';
import { caught, HARNESS } from './helpers.js';

const setsOf = (...pairs: string[]) => {
  const spec = parseManagerSpec(['chart:d', ...pairs.map((p) => `set=${p}`)].join(','));
  return spec.kind === 'chart' ? spec.sets : [];
};

describe('manager-spec: values precedence', () => {
  const chart: Values = {
    vault: { name: 'vault', fullname: 'chart-vault' },
    server: { version: '1.14.0', ha: { replicas: 1 } },
    manager: { statusCheckRate: 5, image: { repository: 'repo', tag: 'chart' }, api: { healthQueryTimeout: 2, unsealOpTimeout: 10 }, extra: 'keep' },
  };

  it('chart < user file < set < harness, maps merged key by key', () => {
    const userFile: Values = { manager: { image: { tag: 'file' }, api: { healthQueryTimeout: 4 }, log: { defaultLogLevel: 1 } } };
    const merged = mergeAllValues({ chart, userFile, sets: setsOf('manager.api.healthQueryTimeout=6', 'manager.fresh=true'), harness: HARNESS });
    expect(merged.values).to.deep.equal({
      vault: { name: 'vault', fullname: 'sva-vault' },
      server: { version: '1.14.0', ha: { replicas: 3 } },
      manager: {
        statusCheckRate: 2,
        image: { repository: 'repo', tag: 'file' },
        api: { healthQueryTimeout: 6, unsealOpTimeout: 10 },
        extra: 'keep',
        log: { defaultLogLevel: 1 },
        fresh: true,
      },
    });
    expect(merged.overrides).to.deep.equal([]);
  });

  it('reports the user values the harness replaced, with where they came from', () => {
    const userFile: Values = { vault: { fullname: 'mine' }, server: { ha: { replicas: 5 } }, manager: { statusCheckRate: 2 } };
    const merged = mergeAllValues({ chart, userFile, sets: setsOf('manager.statusCheckRate=9', 'server.version=1.2.3'), harness: { ...HARNESS, vaultVersion: '1.13.1' } });
    expect(merged.overrides).to.deep.equal([
      { key: 'vault.fullname', user: 'mine', forced: 'sva-vault', from: 'values file' },
      { key: 'server.ha.replicas', user: 5, forced: 3, from: 'values file' },
      { key: 'server.version', user: '1.2.3', forced: '1.13.1', from: 'set' },
      { key: 'manager.statusCheckRate', user: 9, forced: 2, from: 'set' },
    ]);
    expect(merged.values['server']).to.deep.equal({ version: '1.13.1', ha: { replicas: 3 } });
    expect(describeOverrides(merged)[0]).to.equal('the harness sets vault.fullname="sva-vault" (your values file asked for "mine")');
  });

  it('a user value equal to the forced one is no override; the chart default differing is none either', () => {
    const merged = mergeAllValues({ chart, userFile: { server: { ha: { replicas: 3 } } }, sets: [], harness: HARNESS });
    expect(merged.overrides).to.deep.equal([]);
  });

  it('null removes a chart key (kept as null in the file for helm, so helm removes it too)', () => {
    const merged = mergeAllValues({ chart, userFile: { manager: { extra: null } }, sets: setsOf('manager.api.unsealOpTimeout=null'), harness: HARNESS });
    const manager = merged.values['manager'] as Values;
    expect(manager).to.not.have.property('extra');
    expect(manager['api']).to.deep.equal({ healthQueryTimeout: 2 });
    expect((merged.valuesForHelm['manager'] as Values)['extra']).to.equal(null);
    expect(((merged.valuesForHelm['manager'] as Values)['api'] as Values)['unsealOpTimeout']).to.equal(null);
  });

  it('the file for helm holds only the user and harness values (helm adds the chart defaults itself)', () => {
    const merged = mergeAllValues({ chart, userFile: { manager: { image: { tag: 'x' } } }, sets: [], harness: HARNESS });
    expect(merged.valuesForHelm).to.deep.equal({ ...forcedValues(HARNESS), manager: { image: { tag: 'x' }, statusCheckRate: 2 } });
  });

  it('a set= that replaces a map by a scalar wins, like Helm', () => {
    const merged = mergeAllValues({ chart, userFile: {}, sets: setsOf('manager.image=plain'), harness: HARNESS });
    expect((merged.values['manager'] as Values)['image']).to.equal('plain');
  });

  it('the status rate must be whole seconds ≥ 1 (the script replaces anything else by 5)', async () => {
    expect(statusRateSecondsFor(3000)).to.equal(3);
    for (const ms of [100, 1500, 0]) {
      const err = await caught(() => statusRateSecondsFor(ms));
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.equal(`the vault-manager script counts its status rate in whole seconds (≥ 1 s); a status rate of ${ms} ms cannot be given to it (use a time scale of at least 0.2)`);
    }
    const err = await caught(() => forcedValues({ ...HARNESS, statusCheckRateS: 0.5 }));
    expect(err.message).to.equal('manager.statusCheckRate must be a whole number of seconds ≥ 1, got 0.5');
  });
});
