/**
 * HA through a lease in the shared store: every unsealed server ticks every
 * `leaseRenewMs`; the holder renews, anyone else takes an expired lease
 * (unless cooling down after a step-down). A holder that finds its lease gone
 * or expired (it stalled) stops being active at once. Also sys/seal and
 * sys/step-down, which end leadership.
 */
import type { VaultCore } from './core.js';
import { VaultApiError, sealedError } from './errors.js';
import type { ApiReply, ApiRequest } from './http.js';
import { warn } from './log.js';
import { requireToken } from './status.js';

export class Ha {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  constructor(private readonly core: VaultCore) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.core.options.leaseRenewMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    const core = this.core;
    if (this.ticking || core.sealed) return;
    this.ticking = true;
    try {
      await core.heartbeat();
      const { electionMs } = core.options;
      const outcome = await core.store.withLock((): 'renewed' | 'lost' | 'won' | 'none' => {
        const now = Date.now();
        const lease = core.store.lease();
        if (core.active) {
          if (lease?.holder === core.pod && lease.expiresAt > now && now < core.leaseExpiresAt) {
            core.store.writeLease({ ...lease, expiresAt: now + electionMs });
            core.leaseExpiresAt = now + electionMs;
            return 'renewed';
          }
          return 'lost';
        }
        if (core.sealed || now < core.stepDownUntil) return 'none';
        if (!lease || lease.expiresAt <= now) {
          core.store.writeLease({ holder: core.pod, address: core.address, expiresAt: now + electionMs, since: now });
          core.leaseExpiresAt = now + electionMs;
          return 'won';
        }
        return 'none';
      });
      if (outcome === 'lost') await core.loseActive('active-lost', false);
      else if (outcome === 'won') {
        if (core.sealed) await core.loseActive('sealed', true); // sealed while we waited for the lock
        else core.becomeActive(core.leaseExpiresAt);
      }
    } catch (err) {
      warn(`HA tick failed: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  /** PUT sys/seal: only the active seals; a standby must be restarted instead. */
  async seal(req: ApiRequest): Promise<ApiReply> {
    const core = this.core;
    if (core.sealed) return { status: 204 };
    if (!core.isActive()) throw new VaultApiError(500, 'vault cannot seal when in standby mode; please restart instead');
    requireToken(core, req);
    await core.seal();
    return { status: 204 };
  }

  /** PUT sys/step-down (forwarded to the active): yield, stay unsealed, do not contend for a while. */
  async stepDown(req: ApiRequest): Promise<ApiReply> {
    const core = this.core;
    if (core.sealed) throw sealedError();
    requireToken(core, req);
    if (core.isActive()) {
      core.stepDownUntil = Date.now() + core.options.stepDownCooldownMs;
      await core.loseActive('step-down', true);
    }
    return { status: 204 };
  }
}
