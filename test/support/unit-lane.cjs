// Loaded only by `npm run test:unit` (mocha --require): the unit lane promises to start no process and
// open no listening socket, so it stays fast and can run anywhere. Instead of trusting file names, this
// makes a test that breaks the promise fail with a message saying where it belongs.
const childProcess = require('node:child_process');
const net = require('node:net');
const { syncBuiltinESMExports } = require('node:module');

function refuse(what) {
  return function refused() {
    throw new Error(`unit lane: this test ${what}; name it *.test.ts (the cluster lane), not *.unit.test.ts`);
  };
}

for (const fn of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  childProcess[fn] = refuse(`starts a process (child_process.${fn})`);
}
net.Server.prototype.listen = refuse('opens a listening socket');
// ESM named imports of node:child_process read these live bindings; publish the replacements to them.
syncBuiltinESMExports();
