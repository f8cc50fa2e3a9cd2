/**
 * The model world: one VaultModel, one in-memory secret store, and manager
 * instances that reach them only through the real ports (SecretStore,
 * VaultApi, Pods). Every call of an instance passes a call budget, so a test
 * can kill the manager "between any two API calls": the Nth call throws
 * `Killed` and so does every call after it (a dead process does nothing more).
 */
import { DEFAULTS, type ManagerConfig } from '../../../manager/config.js';
import { freshMemory, type ManagerContext } from '../../../manager/context.js';
import { behaviourFor } from '../../../manager/defects/registry.js';
import { SecretExistsError, VaultUnreachableError } from '../../../manager/errors.js';
import { createLogger } from '../../../manager/log.js';
import { runPassLogged, type PassResult } from '../../../manager/pass.js';
import type { Pods, SecretStore, VaultApi, VaultResponse, VaultTarget } from '../../../manager/ports.js';
import { isProcedureSecret } from '../../../common/secrets.js';
import { VaultModel } from './vault-model.js';

export class Killed extends Error {
  override name = 'Killed';
}

export class CallBudget {
  calls = 0;
  dead = false;
  constructor(readonly killAt?: number) {}
  tick(): void {
    if (this.dead) throw new Killed('manager process is dead');
    this.calls++;
    if (this.killAt !== undefined && this.calls >= this.killAt) {
      this.dead = true;
      throw new Killed(`kill -9 before call ${this.calls}`);
    }
  }
}

export class World {
  readonly vault = new VaultModel();
  readonly secrets = new Map<string, string>();
  readonly log: string[] = [];
  /** The running manager's context; undefined after a kill (the next pass starts a fresh process). */
  manager: ManagerContext | undefined;
  budget = new CallBudget();
  /** cluster-key shards when the first rekey was requested (for I3) */
  initialShares: Uint8Array[] | undefined;
  requests = 0;
  /**
   * The milestone timeline as the harness's observers would see it (secret
   * creations and deletions; Vault events as the double's feed names them),
   * stamped with a step counter, for I8.
   */
  readonly events: { name: string; t: number }[] = [];
  /** a kill, restart or failover happened (I8 judges fault-free runs only) */
  faulted = false;
  /** the rekey running in Vault began while cluster-rekey-shuffle existed: the manager's audit (the feed's rule) */
  private auditing = false;

  constructor(readonly defect?: string) {}

  config(): ManagerConfig {
    return { ...DEFAULTS, kubeconfig: undefined, caCertPath: undefined, hosts: {}, statusRateMs: 1, unsealWaitIntervals: 1, apiTimeoutMs: 1000, defect: this.defect, logLevel: 'DEBUG' };
  }

  private store(): SecretStore {
    const secrets = this.secrets;
    return {
      get: async (name) => (this.budget.tick(), secrets.get(name)),
      create: async (name, strdata) => {
        this.budget.tick();
        if (secrets.has(name)) throw new SecretExistsError(name);
        secrets.set(name, strdata);
        this.note(name);
      },
      delete: async (name) => {
        this.budget.tick();
        const existed = secrets.delete(name);
        if (existed) this.note(`${name}-deleted`);
        return existed;
      },
      list: async () => {
        this.budget.tick();
        return new Map([...secrets].filter(([n]) => isProcedureSecret(n)));
      },
    };
  }

  private api(): VaultApi {
    const v = this.vault;
    const at = (t: VaultTarget): number | 'active' => (t === 'active' ? 'active' : v.index(t.pod));
    const forwarded = <T>(t: VaultTarget, f: () => T) => {
      this.budget.tick();
      const i = at(t);
      if (i === 'active' && v.active === undefined) throw new VaultUnreachableError('active service has no endpoint');
      return v.route(i) ?? f();
    };
    const direct = <T>(t: VaultTarget, f: (i: number) => T) => {
      this.budget.tick();
      const i = at(t);
      if (i === 'active') {
        if (v.active === undefined) throw new VaultUnreachableError('active service has no endpoint');
        return f(v.active);
      }
      return f(i);
    };
    return {
      health: async (t) => direct(t, (i) => v.health(i)),
      sealStatus: async (t) => direct(t, (i) => v.sealStatus(i)),
      unseal: async (t, body) => direct(t, (i) => v.unseal(i, body)),
      init: async (t, n, k) => direct(t, (i) => v.init(i, n, k)),
      raftJoin: async (t) => direct(t, (i) => v.raftJoin(i)),
      rekeyStatus: async (t) => forwarded(t, () => v.rekeyStatus()),
      rekeyInit: async (t, req) => this.feedInit(await forwarded(t, () => v.rekeyInit(req))),
      rekeyCancel: async (t) => {
        const running = v.rekey !== undefined;
        const res = await forwarded(t, () => v.rekeyCancel());
        if (running && res.status < 300 && !this.auditing) this.note('vault-rekey-cancelled');
        return res;
      },
      rekeyUpdate: async (t, key, nonce) => this.feedUpdate(await forwarded(t, () => v.rekeyUpdate(key, nonce))),
      rekeyVerifyStatus: async (t) => forwarded(t, () => v.rekeyVerifyStatus()),
      rekeyVerify: async (t, key, nonce) => this.feedVerify(await forwarded(t, () => v.rekeyVerify(key, nonce))),
    };
  }

  note(name: string): void {
    this.events.push({ name, t: this.events.length + 1 });
  }

  private feedInit(res: VaultResponse): VaultResponse {
    if (res.status !== 200) return res;
    this.auditing = this.secrets.has('cluster-rekey-shuffle');
    this.note(this.auditing ? 'vault-audit-started' : 'vault-rekey-started');
    return res;
  }

  private feedUpdate(res: VaultResponse): VaultResponse {
    if (res.status !== 200) return res;
    if (res.body?.complete === true) {
      this.note(this.auditing ? 'vault-audit-complete' : 'vault-auth-complete');
      if (!this.auditing && typeof res.body.verification_nonce !== 'string') this.note('vault-rotated');
    } else if (!this.auditing) this.note(`vault-auth-progress-${res.body?.progress}`);
    return res;
  }

  private feedVerify(res: VaultResponse): VaultResponse {
    if (res.status !== 200) return res;
    this.note(res.body?.complete === true ? 'vault-rotated' : `vault-verify-progress-${res.body?.progress}`);
    return res;
  }

  private pods(): Pods {
    return {
      listServers: async () => {
        this.budget.tick();
        return this.vault.servers.map((s, i) => ({
          name: s.name,
          ordinal: i,
          ip: s.ip,
          running: true,
          labels: { 'app.kubernetes.io/name': 'vault', component: 'server', 'vault-version': '1.14.9', 'vault-active': String(this.vault.active === i) },
        }));
      },
      countManagers: async () => (this.budget.tick(), 1),
    };
  }

  private startManager(): ManagerContext {
    this.budget = new CallBudget();
    const cfg = this.config();
    return {
      config: cfg,
      store: this.store(),
      vault: this.api(),
      pods: this.pods(),
      log: createLogger('DEBUG', (line) => this.log.push(line)),
      behaviour: behaviourFor(this.defect),
      memory: freshMemory(),
    };
  }

  /** One pass of the running manager (a fresh process if the last one was killed). */
  async pass(): Promise<PassResult> {
    this.manager ??= this.startManager();
    return runPassLogged(this.manager);
  }

  /** A pass during which the manager is killed before its `killAt`-th API call (or right after the pass). */
  async passKilledAt(killAt: number): Promise<void> {
    this.manager ??= this.startManager();
    this.budget = new CallBudget(killAt);
    try {
      await runPassLogged(this.manager);
    } catch (err) {
      if (!(err instanceof Killed)) throw err;
    }
    this.log.push(`-- manager killed (budget ${killAt}, made ${this.budget.calls} calls)`);
    this.manager = undefined;
  }

  request(id: string): boolean {
    const inProgress = ['cluster-rekey-request', 'cluster-rekey-verified', 'cluster-rekey-shuffle', 'cluster-rekey-audit'].some((n) => this.secrets.has(n));
    if (inProgress) return false;
    this.secrets.set('cluster-rekey-request', id);
    this.note('cluster-rekey-request');
    this.requests++;
    return true;
  }

  tail(n = 25): string {
    return this.log.slice(-n).join('\n');
  }
}
