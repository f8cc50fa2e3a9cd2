import type { Command } from 'commander';
import { UsageError } from '../common/errors.js';

/** Placeholder until its issue lands; replaced by the owning module. */
export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description('(not available yet)')
    .action(() => {
      throw new UsageError('run is not available yet');
    });
}
