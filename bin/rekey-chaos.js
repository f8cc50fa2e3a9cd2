#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so `npx rekey-chaos` works from a checkout.
// It forwards the stop signals to the CLI (which cleans up on each) and exits as the CLI did:
// its exit code, or 128+N when signal N ended it, as a shell would report it. The codes are those of
// common/exit-code.ts (plain JavaScript here cannot import it): 3 environment, 70 a bug in rekey-chaos.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('error', (err) => {
  process.stderr.write(`rekey-chaos: cannot start the CLI: ${err.message}\n`);
  process.exit(3);
});
// Node reports either a code or a signal; neither would be a bug of ours.
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 70)));
