import type { Command } from 'commander';
import { UsageError } from '../common/errors.js';

/** Placeholder until its issue lands; replaced by the owning module. */
export function registerRecheckCommand(program: Command): void {
  program
    .command('recheck')
    .description('(not available yet)')
    .action(() => {
      throw new UsageError('recheck is not available yet');
    });
}
