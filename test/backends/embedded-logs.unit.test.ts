/**
 * The embedded backend's log window: everything written after the mark,
 * by byte offset per file (kept when a recreated pod's files move to
 * previous/), whatever the lines' timestamp format; problems by the
 * manager's own format.
 */
import { expect } from 'chai';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PodLogCursor } from '../../harness/backends/embedded-logs.js';
import { isManagerProblemLine, STARLINGX_LOG_FORMAT } from '../../harness/manager-spec/index.js';

describe('embedded backend: pod logs cut by the mark, not by timestamps', () => {
  let root: string;
  let logDir: string;
  let runDir: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-logs-'));
    logDir = path.join(root, 'logs');
    runDir = path.join(root, 'run');
    mkdirSync(path.join(runDir, 'logs'), { recursive: true });
    mkdirSync(path.join(logDir, 'mgr-0'), { recursive: true });
    mkdirSync(path.join(logDir, 'vault-0'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const isProblem = (line: string) => isManagerProblemLine(STARLINGX_LOG_FORMAT, line);

  it('takes only what was written after the mark, in the manager\'s own format, and moves the mark', async () => {
    const mgr = path.join(logDir, 'mgr-0', 'manager-0.log');
    writeFileSync(mgr, '2026-01-01T00-00-00 ERROR before the mark\n');
    writeFileSync(path.join(logDir, 'vault-0', 'vault-0.log'), 'old vault line\n');
    const cursor = new PodLogCursor(logDir);
    await cursor.mark();
    appendFileSync(mgr, '2026-01-01T00-00-01 INFO in the window\n2026-01-01T00-00-02 WARNING a problem\n');
    const first = await cursor.collect(runDir, (pod) => pod.startsWith('mgr-'), isProblem);
    expect(Object.keys(first.logs)).to.deep.equal(['mgr-0']);
    expect(first.managerProblems).to.deep.equal(['2026-01-01T00-00-02 WARNING a problem']);
    expect(readFileSync(path.join(runDir, first.logs['mgr-0']!), 'utf8')).to.equal('2026-01-01T00-00-01 INFO in the window\n2026-01-01T00-00-02 WARNING a problem\n');
    // the next window starts where this one ended
    appendFileSync(mgr, '2026-01-01T00-00-03 INFO next\n');
    const second = await cursor.collect(runDir, (pod) => pod.startsWith('mgr-'), isProblem);
    expect(second.managerProblems).to.deep.equal([]);
    expect(readFileSync(path.join(runDir, second.logs['mgr-0']!), 'utf8')).to.equal('2026-01-01T00-00-03 INFO next\n');
  });

  it('keeps a killed container\'s and a deleted pod\'s lines of the window (files moved to previous/ keep their offsets)', async () => {
    const pod = path.join(logDir, 'mgr-0');
    writeFileSync(path.join(pod, 'manager-0.log'), 'before\n');
    const cursor = new PodLogCursor(logDir);
    await cursor.mark();
    appendFileSync(path.join(pod, 'manager-0.log'), 'first container, in the window\n');
    writeFileSync(path.join(pod, 'manager-1.log'), 'restarted container\n');
    // the pod is deleted and recreated: its files move to previous/0, a new file starts
    mkdirSync(path.join(pod, 'previous', '0'), { recursive: true });
    for (const f of ['manager-0.log', 'manager-1.log']) renameSync(path.join(pod, f), path.join(pod, 'previous', '0', f));
    writeFileSync(path.join(pod, 'manager-0.log'), 'new pod\n');
    const collected = await cursor.collect(runDir, () => true, isProblem);
    expect(readFileSync(path.join(runDir, collected.logs['mgr-0']!), 'utf8')).to.equal('first container, in the window\nrestarted container\nnew pod\n');
  });
});
