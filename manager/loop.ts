/**
 * The main loop: a pass every `statusRateMs`, until asked to stop. A stop
 * request (SIGTERM) is honoured between passes only, so the step in flight
 * always finishes; kill -9 needs nothing here because all progress is in
 * secrets or in Vault.
 */
import { delay } from '../common/clock.js';
import type { ManagerContext } from './context.js';
import { runPassLogged } from './pass.js';

export async function runLoop(ctx: ManagerContext, stop: AbortSignal): Promise<void> {
  ctx.log.info(`vault-manager running (status rate ${ctx.config.statusRateMs} ms${ctx.config.defect ? `, defect ${ctx.config.defect}` : ''})`);
  while (!stop.aborted) {
    await runPassLogged(ctx);
    if (stop.aborted) break;
    try {
      await delay(ctx.config.statusRateMs, stop);
    } catch {
      break; // aborted while idle between passes
    }
  }
  ctx.log.info('vault-manager stopping (between steps)');
}
