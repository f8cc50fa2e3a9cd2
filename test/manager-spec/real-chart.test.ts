/**
 * Opt-in: REKEY_CHAOS_MANAGER_CHART=<dir of StarlingX's vault-manager chart>
 * renders the real chart with the built-in renderer (and with helm too,
 * when helm is on PATH) and checks the plan the embedded backend needs.
 */
import { expect } from 'chai';
import { planManager } from '../../harness/manager-spec/plan.js';
import { findOnPath } from '../../harness/manager-spec/render.js';
import { configMapData, HARNESS, TempDir } from './helpers.js';

const chartDir = process.env['REKEY_CHAOS_MANAGER_CHART'];

describe('manager-spec: the real vault-manager chart (REKEY_CHAOS_MANAGER_CHART)', function () {
  before(function () {
    if (!chartDir) this.skip();
  });

  const renderers = ['builtin', ...(findOnPath('helm') ? ['helm' as const] : [])] as const;
  for (const renderer of renderers) {
    it(`plans the manager from the chart (${renderer})`, async () => {
      const plan = (await planManager(`chart:${chartDir}`, { ...HARNESS, statusCheckRateS: 1 }, { renderer }))!;
      expect(plan.renderer).to.equal(renderer);
      expect(plan.container.argv).to.deep.equal(['bash', '/opt/script/init.sh']);
      expect(plan.volumes).to.have.length(3);
      const byName = new Map(plan.volumes.map((v) => [v.name, v]));
      const scriptVolume = plan.volumeMounts.find((m) => m.mountPath === '/opt/script');
      expect(scriptVolume, 'a volume mounted at /opt/script').to.not.equal(undefined);
      const scriptConfigMap = (byName.get(scriptVolume!.name) as { configMap?: { name: string } }).configMap?.name;
      expect(plan.configMaps).to.include(scriptConfigMap);
      const caEnv = plan.container.env.find((e) => e.name === 'CA_CERT');
      expect(caEnv && 'value' in caEnv && caEnv.value).to.be.a('string');
      expect(plan.caCert?.secretName).to.be.a('string');
      expect(plan.externalSecrets).to.include(plan.caCert!.secretName);
      expect(plan.livenessProbe).to.have.property('exec');
      expect(plan.statusRateS).to.equal(1);
      expect(plan.vaultVersion).to.match(/^\d+\.\d+\.\d+$/);
      // the script the chart ships got the harness's names and rate
      const initSh = configMapData(plan.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === scriptConfigMap))['init.sh']!;
      expect(initSh).to.match(/^\s*HA_REPLICAS=3$/m);
      expect(initSh).to.match(/^\s*STATUS_RATE=1$/m);
      expect(initSh).to.match(/^\s*VAULT_FN=sva-vault$/m);
      expect(initSh).to.match(/^\s*VAULT_NS=vault$/m);
      expect(initSh).to.not.contain('{{');
    });
  }

  it('the chart\'s rendered init.sh as script:<file> gives the same command, CA and rate', async () => {
    const chart = (await planManager(`chart:${chartDir}`, { ...HARNESS, statusCheckRateS: 1 }, { renderer: 'builtin' }))!;
    const initSh = chart.objects.map(configMapData).find((data) => 'init.sh' in data)!['init.sh']!;
    const tmp = new TempDir();
    try {
      const script = (await planManager(`script:${tmp.file('init.sh', initSh)}`, HARNESS))!;
      expect(script.container.argv).to.deep.equal(chart.container.argv);
      expect(script.caCert).to.deep.equal(chart.caCert);
      expect(script.statusRateS).to.equal(1);
      expect(script.vaultVersion).to.equal(chart.vaultVersion);
    } finally {
      tmp.remove();
    }
  });
});
