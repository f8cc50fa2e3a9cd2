import type { Command } from 'commander';
import { UsageError } from '../common/errors.js';

/** Placeholder until its issue lands; replaced by the owning module. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('(not available yet)')
    .action(() => {
      throw new UsageError('report is not available yet');
    });
}
