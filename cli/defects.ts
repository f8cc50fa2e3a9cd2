/**
 * `rekey-chaos defects [--json]`: the deliberately broken manager variants
 * available to `--defect`, listed from the same registry the manager uses.
 */
import type { Command } from 'commander';
import { DEFECTS } from '../manager/defects/registry.js';

export function defectListing(): { name: string; description: string }[] {
  return DEFECTS.map((d) => ({ name: d.name, description: d.description }));
}

export function formatDefects(json: boolean): string {
  const list = defectListing();
  if (json) return `${JSON.stringify(list, null, 2)}\n`;
  const width = Math.max(...list.map((d) => d.name.length));
  return list.map((d) => `${d.name.padEnd(width)}  ${d.description}`).join('\n') + '\n';
}

export function registerDefectsCommand(program: Command): void {
  program
    .command('defects')
    .description('list the deliberately broken manager variants available to --defect')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      process.stdout.write(formatDefects(opts.json === true));
    });
}
