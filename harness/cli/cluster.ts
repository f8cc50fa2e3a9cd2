import type { Command } from 'commander';
import { UsageError } from '../common/errors.js';

/** Placeholder until its issue lands; replaced by the owning module. */
export function registerClusterCommands(program: Command): void {
  program
    .command('cluster')
    .description('(not available yet)')
    .action(() => {
      throw new UsageError('cluster is not available yet');
    });
}
