/**
 * Wire-format cases of the conformance suite, run on the initialized cluster
 * (one active, two unsealed standbys) against the double or a real Vault:
 * error envelopes and health codes byte for byte, and real `curl` run the way
 * vault-manager's bash does it (`curl -s -S --cacert CA ...; echo $?`, the
 * last line taken as curl's exit code, the rest piped to jq).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceTarget } from './support/target.js';
import { expectWire } from './support/wire.js';

export interface WireContext {
  target: ConformanceTarget;
  rootToken: string;
  activeIndex(exclude?: number[]): Promise<number>;
}

/**
 * vault-manager's capture of one API call, reduced to its essentials: stdout
 * of curl with `$?` appended on its own line, split into the last line (the
 * exit code) and the rest (the answer). Prints the exit code, then the answer
 * through `jq -c .` when there is one, so a body that is not one JSON
 * document fails there.
 */
const MANAGER_CALL = `
out="$(curl -s -S \${CA:+--cacert "$CA"} \${TOKEN:+--header "X-Vault-Token:$TOKEN"} --request "$METHOD" \${DATA:+--data "$DATA"} "$URL"; echo "$?")"
res="$(echo "$out" | tail -n1)"
body="$(echo "$out" | head -n-1)"
echo "$res"
if [ -n "$body" ]; then echo "$body" | jq -c .; fi
`;

interface ManagerCall {
  /** the last line: what the manager takes as curl's exit code */
  res: string;
  /** the rest, parsed by jq (undefined when empty) */
  answer: any;
}

export function defineWireCases(ctx: () => WireContext): void {
  let caDir = '';
  let caFile: string | undefined;

  before(async () => {
    const { target } = ctx();
    if (target.leaderCaCert) {
      caDir = await mkdtemp(join(tmpdir(), 'rekey-chaos-wire-'));
      caFile = join(caDir, 'ca.crt');
      await writeFile(caFile, target.leaderCaCert);
    }
  });
  after(async () => {
    if (caDir) await rm(caDir, { recursive: true, force: true });
  });

  function managerCall(server: number, method: string, path: string, extra: { data?: string; token?: string } = {}): Promise<ManagerCall> {
    const url = new URL(`/v1/${path}`, ctx().target.server(server).address).toString();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, URL: url, METHOD: method, CA: caFile ?? '', TOKEN: extra.token ?? '', DATA: extra.data ?? '' };
    return new Promise((resolve, reject) => {
      execFile('bash', ['-c', MANAGER_CALL], { env, timeout: 20_000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`bash failed: ${err.message}; stderr: ${stderr}`));
        const [res = '', json] = stdout.replace(/\n$/, '').split('\n');
        resolve({ res, answer: json === undefined ? undefined : JSON.parse(json) });
      });
    });
  }

  it('error envelopes are one JSON line: bad JSON 400, a wrong token 403, a wrong method 405', async () => {
    const c = ctx().target.server(await ctx().activeIndex());
    const badJson = await c.put('sys/unseal', undefined, { rawBody: '{"key":' });
    expectWire(badJson, 400);
    expect(badJson.body.errors).to.have.length(1);
    expect(badJson.body.errors[0]).to.match(/^failed to parse JSON input: /);
    const denied = await c.get('auth/token/lookup-self', { token: ['hvs', 'not-a-valid-token'].join('.') });
    expectWire(denied, 403);
    expect(denied.body.errors[0]).to.contain('permission denied');
    const wrongMethod = await c.get('sys/unseal');
    expectWire(wrongMethod, 405);
    expect(wrongMethod.body).to.deep.equal({ errors: [] });
  });

  it('health: custom standby codes 472 and 473 keep the body; HEAD has the type but no body', async () => {
    const a = await ctx().activeIndex();
    const standby = ctx().target.server((a + 1) % 3);
    for (const code of [472, 473]) {
      const h = await standby.get(`sys/health?standbycode=${code}`);
      expectWire(h, code);
      expect(h.body).to.include({ initialized: true, sealed: false, standby: true });
    }
    expectWire(await standby.call('HEAD', 'sys/health'), 429, 'head');
  });

  it('a standby relays the active’s 204 as is: no body, the JSON content type', async () => {
    const a = await ctx().activeIndex();
    expectWire(await ctx().target.server((a + 2) % 3).del('sys/rekey/init'), 204, 'empty');
  });

  it('curl as vault-manager runs it: exit code on the last line, one JSON answer before it, none for a 204', async () => {
    const a = await ctx().activeIndex();
    const standby = (a + 1) % 3;
    const active = await managerCall(a, 'GET', 'sys/health');
    expect(active.res, 'the last line is curl’s exit code').to.equal('0');
    expect(active.answer).to.include({ initialized: true, sealed: false, standby: false });
    const onStandby = await managerCall(standby, 'GET', 'sys/health');
    expect(onStandby.res).to.equal('0');
    expect(onStandby.answer).to.include({ standby: true });
    const status = await managerCall(standby, 'GET', 'sys/rekey/init', { token: ctx().rootToken });
    expect(status.res).to.equal('0');
    expect(status.answer).to.include({ started: false });
    const cancel = await managerCall(a, 'DELETE', 'sys/rekey/init', { token: ctx().rootToken });
    expect(cancel).to.deep.equal({ res: '0', answer: undefined });
    const error = await managerCall(a, 'POST', 'sys/unseal', { data: '{"key": "zz-not-a-key"}' });
    expect(error.res).to.equal('0');
    expect(error.answer).to.deep.equal({ errors: ["'key' must be a valid hex or base64 string"] });
  });
}
