/**
 * The `rekey-chaos` command line (contract: docs/cli.md).
 * Each command lives in its own module under cli/ and registers
 * itself here; this file only wires them together. Every command's exit code
 * comes out of main(), through the one policy (common/exit-code.ts,
 * cli/command-exit.ts).
 */
import { Command } from 'commander';
import { EXIT } from '../common/exit-code.js';
import { commandExitCode, requestedExitCode } from './command-exit.js';
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

/** Runs one command line; `build` is replaceable so a test can drive a command of its own through the same path. */
export async function main(argv: string[], build: () => Command = buildProgram): Promise<number> {
  // A command asks for its code through process.exitCode; one left by an earlier in-process call must not leak in.
  process.exitCode = undefined;
  try {
    await build().parseAsync(argv, { from: 'user' });
    return requestedExitCode(process.exitCode);
  } catch (err) {
    return commandExitCode(err, (text) => void process.stderr.write(text));
  } finally {
    process.exitCode = undefined;
  }
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    () => process.exit(EXIT.harnessBug),
  );
}
