import { expect } from 'chai';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { RunRecord } from '../../common/record.js';
import { buildLanes, timeDomain } from '../../reports/svg/lanes.js';
import { colourOfKey, renderTimelineSvg } from '../../reports/svg/timeline.js';
import { makeRecord, makeWorld, type FixtureWorld } from './fixtures.js';
import { tempDir } from './helpers.js';

type Node = Record<string, unknown>;

/** Every element (any depth) whose attributes match `where`. */
function findAll(node: unknown, where: (attrs: Node) => boolean, out: Node[] = []): Node[] {
  if (Array.isArray(node)) node.forEach((n) => findAll(n, where, out));
  else if (node && typeof node === 'object') {
    const n = node as Node;
    if (where(n)) out.push(n);
    for (const [k, v] of Object.entries(n)) if (!k.startsWith('@_')) findAll(v, where, out);
  }
  return out;
}

function parse(svg: string): Node {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`SVG is not well-formed: ${JSON.stringify(valid.err)}`);
  return new XMLParser({ ignoreAttributes: false, isArray: (_name, _path, _leaf, isAttribute) => !isAttribute }).parse(svg) as Node;
}

describe('reports: timeline SVG', () => {
  let world: FixtureWorld;
  let tmp: ReturnType<typeof tempDir>;
  let failed: RunRecord;
  let notHit: RunRecord;

  before(async () => {
    world = await makeWorld();
    tmp = tempDir('svg');
    failed = makeRecord(world, 'failed-i1', tmp.path).record;
    notHit = makeRecord(world, 'not-hit', tmp.path).record;
  });
  after(() => tmp.remove());

  it('is well-formed XML with a lane per shard set, the key in effect and each server', () => {
    const doc = parse(renderTimelineSvg(failed));
    const lanes = findAll(doc, (a) => a['@_class'] === 'lane').map((l) => l['@_data-lane']);
    expect(lanes).to.deep.equal(['cluster-key', 'cluster-rekey', 'cluster-key-bk', 'key-in-effect', 'server:sva-vault-0', 'server:sva-vault-1', 'server:sva-vault-2']);
  });

  it('colours a set by its key fingerprint, so the old and new sets can be followed between lanes', () => {
    const doc = parse(renderTimelineSvg(failed));
    const segs = (lane: string) => findAll(findAll(doc, (a) => a['@_data-lane'] === lane), (a) => a['@_class'] === 'segment');
    const keyOf = (lane: string) => segs(lane).map((s) => s['@_data-key']).filter(Boolean);
    expect(keyOf('cluster-key')[0]).to.equal(world.oldSet.keyFp);
    expect(keyOf('cluster-rekey')).to.include(world.newSet.keyFp);
    expect(keyOf('key-in-effect')).to.deep.equal([world.oldSet.keyFp, world.newSet.keyFp]);
    // the partial cluster-key (2 of 5 shards: too few to combine) is still attributed to the old key through its shard fingerprints
    const partial = segs('cluster-key').find((s) => s['@_data-state'] === 'partial')!;
    expect(partial['@_data-key']).to.equal(world.oldSet.keyFp);
    const rect = (partial['rect'] as Node[])[0]!;
    expect(rect['@_fill']).to.equal(colourOfKey(world.oldSet.keyFp));
    expect(colourOfKey(world.oldSet.keyFp)).to.not.equal(colourOfKey(world.newSet.keyFp));
    expect(segs('cluster-key-bk').map((s) => s['@_data-state'])).to.deep.equal(['absent']);
  });

  it('draws milestone ticks, the landed fault and the I1 violation where it happened', () => {
    const svg = renderTimelineSvg(failed);
    const doc = parse(svg);
    const milestones = findAll(doc, (a) => a['@_class'] === 'marker milestone').map((m) => m['@_data-name']);
    expect(milestones).to.deep.equal(failed.timeline.filter((e) => e.source !== 'fault').map((e) => e.name));
    const faults = findAll(doc, (a) => a['@_class'] === 'marker fault');
    expect(faults).to.have.length(1);
    expect(faults[0]!['@_data-landed']).to.equal('true');
    const violation = findAll(doc, (a) => a['@_class'] === 'violation');
    expect(violation.map((v) => v['@_data-invariant'])).to.deep.equal(['I1']);
    // the red line sits at the violation instant: between the auth-complete tick and the rotated tick
    const xOf = (g: Node) => Number(((g['line'] as Node[])[0]!)['@_x1']);
    const tick = (name: string) => xOf(findAll(doc, (a) => a['@_data-name'] === name)[0]!);
    const vx = xOf(violation[0]!);
    expect(vx).to.be.greaterThan(tick('cluster-rekey-4'));
    expect(vx).to.be.lessThan(tick('vault-rotated'));
    expect(svg).to.contain('I1 violated');
  });

  it('shows a fault that never fired as text, a passing run without a violation marker, and a backend without key feed', () => {
    const doc = parse(renderTimelineSvg(notHit));
    expect(findAll(doc, (a) => a['@_class'] === 'marker fault')).to.have.length(0);
    expect(renderTimelineSvg(notHit)).to.match(/fault #0 kill-process → sva-vault-0 after cluster-rekey-audit: not applied \(trigger cluster-rekey-audit never observed\)/);
    expect(findAll(doc, (a) => a['@_class'] === 'violation')).to.have.length(0);
    const kind: RunRecord = { ...notHit, backend: 'kind', keyFeed: null };
    const lanes = buildLanes(kind, timeDomain(kind));
    expect(lanes.find((l) => l.id === 'key-in-effect')!.note).to.equal('not observable on the kind backend');
  });

  it('gives a burst of milestones one shared label but keeps a tick (and tooltip) for each', () => {
    const t0 = failed.requestedAt!;
    const burst = [0, 1, 2, 3, 4].map((i) => ({ t: t0 + 500 + i * 0.2, name: `cluster-rekey-${i}`, source: 'secret' as const }));
    const svg = renderTimelineSvg({ ...failed, timeline: [{ t: t0, name: 'cluster-rekey-request', source: 'secret' }, ...burst] });
    const doc = parse(svg);
    expect(findAll(doc, (a) => a['@_class'] === 'marker milestone')).to.have.length(6);
    const labels = findAll(doc, (a) => a['@_class'] === 'milestone-label').map((l) => l['#text']);
    expect(labels).to.deep.equal(['cluster-rekey-request', 'cluster-rekey-0 … +4']);
  });

  it('stays well-formed whatever names and messages a record carries', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 8 }), (name, message, offsets) => {
        const t0 = failed.requestedAt!;
        const record: RunRecord = {
          ...failed,
          scenario: { ...failed.scenario, id: name },
          timeline: offsets.map((o, i) => ({ t: t0 + o, name: `${name}-${i}`, source: 'secret' as const })),
          invariants: [{ id: 'I1', status: 'failed', message, at: t0 + (offsets[0] ?? 0), evidence: {} }],
          faults: [{ ...failed.faults[0]!, target: name, trigger: message }],
        };
        const svg = renderTimelineSvg(record);
        // names are free text (control characters included): they must come out escaped or dropped, never break the document
        return XMLValidator.validate(svg) === true && svg.includes('class="violation"');
      }),
      { numRuns: 60 },
    );
  });
});
