/**
 * The `rekey-chaos` command line (contract: docs/cli.md).
 * Each command lives in its own module under cli/ and registers
 * itself here; this file only wires them together and maps typed errors to
 * the contract's exit codes.
 */
import { Command, CommanderError } from 'commander';
import { exitCodeOf, RekeyChaosError } from '../common/errors.js';
import { redact } from '../common/redact.js';
import { registerClusterCommands } from './cluster.js';
import { registerRunCommands } from './run.js';
import { registerReportCommand } from './report.js';
import { registerDefectsCommand } from './defects.js';
import { registerRecheckCommand } from './recheck.js';

export function buildProgram(): Command {
  const program = new Command('rekey-chaos')
    .description('Chaos and validation harness for the Vault rekey procedure of vault-manager')
    .showHelpAfterError()
    .exitOverride();
  registerClusterCommands(program);
  registerRunCommands(program);
  registerReportCommand(program);
  registerDefectsCommand(program);
  registerRecheckCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is bad usage.
      return err.exitCode === 0 ? 0 : 2;
    }
    const code = exitCodeOf(err);
    const message = err instanceof RekeyChaosError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`rekey-chaos: ${redact(message)}\n`);
    return code;
  }
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    () => process.exit(3),
  );
}
