import type { Command } from 'commander';
import { UsageError } from '../common/errors.js';

/** Placeholder until its issue lands; replaced by the owning module. */
export function registerDefectsCommand(program: Command): void {
  program
    .command('defects')
    .description('(not available yet)')
    .action(() => {
      throw new UsageError('defects is not available yet');
    });
}
