/**
 * The kubeconfig backend's CLI flags: what they turn into, and misuse
 * refused with exit 2 before anything runs.
 */
import { expect } from 'chai';
import { UsageError } from '../../common/errors.js';
import { kubeconfigBackendOptions } from '../../cli/kubeconfig-flags.js';
import { runMain } from '../cli/cli-helpers.js';

describe('cli: kubeconfig backend flags', () => {
  it('turn into the backend options (the CA secret parsed, key ca.crt by default)', () => {
    expect(kubeconfigBackendOptions({}, 'kubeconfig')).to.equal(undefined);
    expect(kubeconfigBackendOptions({ context: 'kind-x', namespace: 'ns', release: 'stx-vault', vaultCaSecret: 'vault-server-tls', vaultAccess: 'port-forward' }, 'kubeconfig')).to.deep.equal({
      context: 'kind-x',
      namespace: 'ns',
      release: 'stx-vault',
      caSecret: { name: 'vault-server-tls', key: 'ca.crt' },
      vaultAccess: 'port-forward',
    });
    expect(kubeconfigBackendOptions({ vaultCaSecret: 'vault-ca/tls.crt' }, 'kubeconfig')).to.deep.equal({ caSecret: { name: 'vault-ca', key: 'tls.crt' } });
  });

  it('are refused on other backends, twice-named CAs, bad secret names and missing files', () => {
    const refused = (f: () => unknown) => expect(f).to.throw(UsageError);
    refused(() => kubeconfigBackendOptions({ namespace: 'x' }, 'embedded'));
    refused(() => kubeconfigBackendOptions({ vaultCa: '/etc/hostname', vaultCaSecret: 'vault-ca' }, 'kubeconfig'));
    refused(() => kubeconfigBackendOptions({ vaultCaSecret: 'Bad Name/x' }, 'kubeconfig'));
    refused(() => kubeconfigBackendOptions({ kubeconfig: '/nonexistent/kubeconfig' }, 'kubeconfig'));
    refused(() => kubeconfigBackendOptions({ vaultCa: '/' }, 'kubeconfig'));
  });

  it('exit 2 from the command line, naming the flag', async () => {
    const r = await runMain(['run', '--scenario', 'F1', '--namespace', 'x', '--dry-run']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('--namespace needs --backend kubeconfig');
    const access = await runMain(['run', '--backend', 'kubeconfig', '--vault-access', 'tunnel', '--dry-run']);
    expect(access.code).to.equal(2);
  });
});
