/**
 * The double's unseal milestones (ipBase 127.73.0): a restarted server says
 * it started sealed, every accepted share below the threshold is a progress
 * line, a wrong set at the threshold is a rejection, and the unseal ends in
 * `unsealed` — each line naming the server. The harness's feed interpreter
 * turns exactly these lines into the `vault-sealed`, `vault-unseal-progress-N`,
 * `vault-unseal-rejected` and `vault-unsealed` milestones, which scenarios
 * aim faults at (docs/milestones.md).
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { isMilestoneEvent, PROCEDURE_MILESTONES, UNSEAL_EVENTS } from '../../../common/milestones.js';
import { FeedInterpreter } from '../../../harness/observe/feed.js';
import type { FeedLine } from '../../../harness/observe/feed-tailer.js';
import { waitFor } from './support/client.js';
import { DoubleCluster, FAST_OPTIONS } from './support/double-cluster.js';
import { foreignShares, initAndUnsealAll, unsealWith, waitUnsealed } from './support/steps.js';

async function feedLines(cluster: DoubleCluster): Promise<FeedLine[]> {
  return (await readFile(cluster.feedPath, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as FeedLine);
}

describe('vault double: unseal milestones in the feed', function () {
  this.timeout(60_000);
  const cluster = new DoubleCluster({ ipBase: '127.73.0', options: FAST_OPTIONS, feed: true });
  let keys: string[] = [];

  before(async () => {
    await cluster.setup();
    keys = await initAndUnsealAll(cluster);
  });
  after(async () => cluster.stop());

  it('a restart, two shares, a wrong set, then the right set: started, progress 1 and 2, rejected, progress 1 and 2, unsealed — on that server only', async () => {
    const before = (await feedLines(cluster)).length;
    await cluster.restart(1);
    const c = cluster.server(1);
    expect((await c.put('sys/unseal', { key: keys[0] })).body).to.include({ sealed: true, progress: 1 });
    expect((await c.put('sys/unseal', { key: keys[1] })).body).to.include({ sealed: true, progress: 2 });
    const wrong = await foreignShares();
    const rejected = await c.put('sys/unseal', { key: wrong[2] });
    expect(rejected.status, 'two right shares and a foreign one do not open the barrier').to.equal(400);
    await unsealWith(c, keys);
    await waitUnsealed(c);

    const lines = await waitFor('the unsealed line of sva-vault-1', async () => {
      const now = (await feedLines(cluster)).slice(before);
      return now.some((l) => l.server === 'sva-vault-1' && l.event === 'unsealed') ? now : undefined;
    });
    const unsealLines = lines.filter((l) => ['started', 'unseal-progress', 'unseal-rejected', 'unsealed'].includes(l.event));
    expect(unsealLines.map((l) => l.server)).to.deep.equal(unsealLines.map(() => 'sva-vault-1'));
    expect(unsealLines.map((l) => (l.event === 'unseal-progress' ? `progress-${l.progress}/${l.threshold}` : l.event))).to.deep.equal([
      'started',
      'progress-1/3',
      'progress-2/3',
      'unseal-rejected',
      'progress-1/3',
      'progress-2/3',
      'unsealed',
    ]);

    const interpreter = new FeedInterpreter(() => false);
    const milestones = lines.flatMap((l) => interpreter.interpret(l)).filter((e) => UNSEAL_EVENTS.includes(e.name as never));
    expect(milestones.map((e) => e.name)).to.deep.equal([
      'vault-sealed',
      'vault-unseal-progress-1',
      'vault-unseal-progress-2',
      'vault-unseal-rejected',
      'vault-unseal-progress-1',
      'vault-unseal-progress-2',
      'vault-unsealed',
    ]);
    for (const e of milestones) expect(e.detail).to.include({ server: 'sva-vault-1' });
    expect(milestones[0]!.detail).to.include({ cause: 'start' });
  });

  it('the unseal milestones are valid trigger names, yet no procedure table requires them (I8 stays as it was)', () => {
    for (const name of UNSEAL_EVENTS) expect(isMilestoneEvent(name), name).to.equal(true);
    for (const table of Object.values(PROCEDURE_MILESTONES)) for (const name of UNSEAL_EVENTS) expect(table).not.to.include(name);
  });
});
