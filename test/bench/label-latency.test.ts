import { expect } from 'chai';
import { labelDelays, type FeedEvent, type LabelChange } from '../../bench/label-latency.js';

describe('bench: label latency pairing', () => {
  const feed: FeedEvent[] = [
    { t: 1000, server: 'sva-vault-0', event: 'sealed' },
    { t: 1010, server: 'sva-vault-1', event: 'active' },
    { t: 1500, server: 'sva-vault-0', event: 'unsealed' },
    { t: 1600, server: 'sva-vault-2', event: 'sealed' },
    { t: 1700, server: 'sva-vault-1', event: 'rekey-started' },
  ];
  const changes: LabelChange[] = [
    { t: 900, pod: 'sva-vault-0', label: 'vault-sealed', value: 'true' }, // an earlier seal, not this one
    { t: 1040, pod: 'sva-vault-0', label: 'vault-sealed', value: 'true' },
    { t: 1008, pod: 'sva-vault-1', label: 'vault-active', value: 'true' }, // within the 5 ms clock slack
    { t: 1800, pod: 'sva-vault-0', label: 'vault-sealed', value: 'false' },
  ];

  it('pairs each transition with the first matching label change after it, and counts the unmatched', () => {
    const { delays, unmatched } = labelDelays(feed, changes);
    expect(delays).to.deep.equal([40, 0, 300]);
    expect(unmatched).to.equal(1); // sva-vault-2's seal never reached its label
  });

  it('ignores events that are not label transitions', () => {
    expect(labelDelays([{ t: 1, server: 'sva-vault-0', event: 'key-in-effect' }], changes)).to.deep.equal({ delays: [], unmatched: 0 });
  });
});
