/** pidAlive against real processes (the cluster lane: it spawns one). */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pidAlive } from '../../common/process.js';

describe('common: pidAlive', () => {
  it('is true for a running process and false once it has exited and been reaped', async () => {
    expect(pidAlive(process.pid)).to.equal(true);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid!;
    expect(pidAlive(pid)).to.equal(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(pidAlive(pid)).to.equal(false);
  });
});
