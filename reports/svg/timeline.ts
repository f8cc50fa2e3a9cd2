/**
 * The timeline picture of one scenario iteration, as a self-contained SVG
 * string (hand-written, no dependencies). x = time since the rekey request.
 * Rows from the top: milestone ticks with their names, fault markers, one lane
 * per shard set, the key in effect, one lane per server; a red line marks each
 * invariant violation that has an instant. Shard sets and keys are filled in a
 * colour derived from the key fingerprint, so the old set and the new set can
 * be followed as they move between lanes.
 *
 * Elements carry `class` and `data-*` attributes so tests (and curious
 * readers of the source) can find lanes and markers.
 */
import type { RunRecord } from '../../common/record.js';
import { buildLanes, timeDomain, type Lane, type Segment, type TimeDomain } from './lanes.js';

const WIDTH = 1100;
const LEFT = 150; // lane titles
const RIGHT = 80; // room for the last rotated milestone label
const MILESTONE_BAND = 170; // rotated milestone names
const FAULT_ROW = 28;
const LANE_H = 22;
const LANE_GAP = 6;

const SERVER_FILL: Record<string, string> = { active: '#2e7d32', standby: '#90caf9', sealed: '#ef6c00', down: '#ffffff', unknown: '#e0e0e0' };

/** Escapes markup characters and drops the ones XML 1.0 cannot carry at all (control characters, lone surrogates). */
export function escapeXml(text: string): string {
  return text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A stable, well-spread colour for a key fingerprint (hue from its first hex digits). */
export function colourOfKey(keyFp: string): string {
  const n = parseInt(keyFp.slice(0, 6), 16);
  const hue = Number.isFinite(n) ? (n * 137) % 360 : 0;
  return `hsl(${hue}, 65%, 48%)`;
}

function formatOffset(ms: number): string {
  const abs = Math.abs(ms);
  const text = abs >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : abs >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
  return ms > 0 ? `+${text}` : text;
}

function niceStep(span: number): number {
  const raw = span / 8;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
}

class Scale {
  constructor(readonly domain: TimeDomain) {}
  x(t: number): number {
    const { start, end } = this.domain;
    return LEFT + ((t - start) / (end - start)) * (WIDTH - LEFT - RIGHT);
  }
}

function segmentRect(seg: Segment, lane: Lane, y: number, scale: Scale): string {
  const x = scale.x(seg.from);
  const w = Math.max(1, scale.x(seg.to) - x);
  const base = `x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${LANE_H}"`;
  let fill: string;
  let extra = '';
  if (lane.group === 'server') {
    fill = SERVER_FILL[seg.state] ?? '#e0e0e0';
    if (seg.state === 'down') extra = ' stroke="#b71c1c" stroke-dasharray="3 2"';
  } else if (seg.state === 'absent') {
    fill = 'none';
    extra = ' stroke="#bdbdbd" stroke-dasharray="2 3"';
  } else {
    fill = seg.keyFp ? colourOfKey(seg.keyFp) : '#9e9e9e';
    if (seg.state === 'partial') extra = ' fill-opacity="0.45" stroke="#424242" stroke-dasharray="4 2"';
  }
  const title = `${lane.title}: ${seg.state}${seg.label && seg.label !== seg.state ? ` (${seg.label})` : ''}, ${formatOffset(seg.from - scale.domain.origin)} … ${formatOffset(seg.to - scale.domain.origin)}`;
  const pattern = seg.state === 'partial' ? `<rect ${base} fill="url(#partial-hatch)"/>` : '';
  const text = seg.label && w > 7 * seg.label.length ? `<text x="${(x + 4).toFixed(1)}" y="${y + 15}" class="seg-label">${escapeXml(seg.label)}</text>` : '';
  const keyAttr = seg.keyFp ? ` data-key="${escapeXml(seg.keyFp)}"` : '';
  return `<g class="segment" data-state="${seg.state}"${keyAttr}><title>${escapeXml(title)}</title><rect ${base} fill="${fill}"${extra}/>${pattern}${text}</g>`;
}

function laneRow(lane: Lane, y: number, scale: Scale): string {
  const parts = [`<g class="lane" data-lane="${escapeXml(lane.id)}" data-group="${lane.group}">`];
  parts.push(`<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end" class="lane-title">${escapeXml(lane.title)}</text>`);
  parts.push(`<rect x="${LEFT}" y="${y}" width="${WIDTH - LEFT - RIGHT}" height="${LANE_H}" fill="#fafafa"/>`);
  for (const seg of lane.segments) parts.push(segmentRect(seg, lane, y, scale));
  if (lane.note) parts.push(`<text x="${LEFT + 6}" y="${y + 15}" class="note">${escapeXml(lane.note)}</text>`);
  parts.push('</g>');
  return parts.join('');
}

/** Minimum horizontal distance between two milestone labels; closer ticks share one label ("… +n"). */
const LABEL_SPACING = 11;

function milestoneMarkers(record: RunRecord, scale: Scale, top: number, bottom: number): string {
  const events = record.timeline.filter((e) => e.source !== 'fault' && e.source !== 'runner').sort((a, b) => a.t - b.t);
  // Bursts of milestones (five shard writes within a few ms) would print on top of each other:
  // the first of a burst carries the label and a count, every tick keeps its own tooltip.
  const labelled: { index: number; x: number; more: number }[] = [];
  events.forEach((e, index) => {
    const x = scale.x(e.t);
    const last = labelled[labelled.length - 1];
    if (last && x - last.x < LABEL_SPACING) last.more++;
    else labelled.push({ index, x, more: 0 });
  });
  const labelOf = new Map(labelled.map((l) => [l.index, l.more]));
  return events
    .map((e, index) => {
      const x = scale.x(e.t).toFixed(1);
      const label = `${e.name} ${formatOffset(e.t - scale.domain.origin)}`;
      const more = labelOf.get(index);
      const text = more === undefined ? '' : `<text transform="translate(${x},${top - 4}) rotate(-60)" class="milestone-label">${escapeXml(more > 0 ? `${e.name} … +${more}` : e.name)}</text>`;
      return (
        `<g class="marker milestone" data-name="${escapeXml(e.name)}"><title>${escapeXml(`${label} (${e.source})`)}</title>` +
        `<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#757575" stroke-width="0.6" stroke-dasharray="1 3"/>` +
        text +
        `</g>`
      );
    })
    .join('');
}

function faultMarkers(record: RunRecord, scale: Scale, y: number, bottom: number): { svg: string; unplaced: string[] } {
  const parts: string[] = [];
  const unplaced: string[] = [];
  for (const f of record.faults) {
    const t = f.appliedAt ?? f.triggeredAt;
    const what = `fault #${f.index} ${f.kind} → ${f.target || f.targetSpec} after ${f.trigger}`;
    if (t === undefined) {
      unplaced.push(`${what}: not applied${f.missReason ? ` (${f.missReason})` : ''}`);
      continue;
    }
    const x = scale.x(t);
    const status = f.landed ? 'landed' : `did not land${f.missReason ? `: ${f.missReason}` : ''}`;
    const tri = `${(x - 7).toFixed(1)},${y + 2} ${(x + 7).toFixed(1)},${y + 2} ${x.toFixed(1)},${y + 16}`;
    const style = f.landed ? 'fill="#6a1b9a" stroke="#6a1b9a"' : 'fill="#ffffff" stroke="#6a1b9a" stroke-dasharray="2 1"';
    parts.push(
      `<g class="marker fault" data-index="${f.index}" data-landed="${f.landed}"><title>${escapeXml(`${what} at ${formatOffset(t - scale.domain.origin)}: ${status}`)}</title>` +
        `<line x1="${x.toFixed(1)}" y1="${y + 16}" x2="${x.toFixed(1)}" y2="${bottom}" stroke="#6a1b9a" stroke-width="1"/>` +
        `<polygon points="${tri}" ${style}/>` +
        `<text x="${(x + 9).toFixed(1)}" y="${y + 13}" class="fault-label">${escapeXml(`#${f.index} ${f.kind} → ${f.target || f.targetSpec}${f.landed ? '' : ' (missed)'}`)}</text></g>`,
    );
  }
  return { svg: parts.join(''), unplaced };
}

function violationMarkers(record: RunRecord, scale: Scale, top: number, bottom: number): string {
  const LABEL_W = 86;
  return record.invariants
    .filter((inv) => inv.status === 'failed' && inv.at !== undefined)
    .map((inv, i) => {
      const xn = scale.x(inv.at!);
      const x = xn.toFixed(1);
      // labels of violations at the same instant stack upwards; near the right edge they go left of the line
      const lx = xn + 3 + LABEL_W > WIDTH ? xn - 3 - LABEL_W : xn + 3;
      const ly = bottom - 18 - i * 18;
      return (
        `<g class="violation" data-invariant="${inv.id}"><title>${escapeXml(`${inv.id} violated at ${formatOffset(inv.at! - scale.domain.origin)}: ${inv.message}`)}</title>` +
        `<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#d50000" stroke-width="2.5"/>` +
        `<rect x="${lx.toFixed(1)}" y="${ly}" width="${LABEL_W}" height="16" fill="#d50000" rx="2"/>` +
        `<text x="${(lx + 4).toFixed(1)}" y="${ly + 12}" class="violation-label">${inv.id} violated</text></g>`
      );
    })
    .join('');
}

function axis(scale: Scale, y: number): string {
  const { origin, start, end } = scale.domain;
  const step = niceStep(end - start);
  const parts = [`<g class="axis"><line x1="${LEFT}" y1="${y}" x2="${WIDTH - RIGHT}" y2="${y}" stroke="#424242"/>`];
  for (let off = Math.ceil((start - origin) / step) * step; origin + off <= end; off += step) {
    const x = scale.x(origin + off).toFixed(1);
    parts.push(`<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 5}" stroke="#424242"/><text x="${x}" y="${y + 17}" text-anchor="middle" class="tick">${formatOffset(off)}</text>`);
  }
  parts.push(`<text x="${LEFT - 8}" y="${y + 17}" text-anchor="end" class="tick">since request</text></g>`);
  return parts.join('');
}

function legend(record: RunRecord, y: number, unplaced: string[]): { svg: string; height: number } {
  const keys = new Set<string>();
  for (const e of record.ledger) for (const s of Object.values(e.sets)) if (s.keyFp) keys.add(s.keyFp);
  for (const k of record.keyFeed ?? []) keys.add(k.keyFp);
  const items: string[] = [];
  let x = LEFT;
  const swatch = (fill: string, text: string, extra = '') => {
    items.push(`<rect x="${x}" y="${y}" width="14" height="12" fill="${fill}"${extra}/><text x="${x + 18}" y="${y + 10}" class="legend">${escapeXml(text)}</text>`);
    x += 26 + 6.5 * text.length;
  };
  for (const k of keys) swatch(colourOfKey(k), `key ${k}${k === record.initial.keyFp ? ' (old)' : ''}`);
  swatch('#9e9e9e', 'partial set', ' fill-opacity="0.45" stroke="#424242" stroke-dasharray="4 2"');
  swatch('none', 'absent', ' stroke="#bdbdbd" stroke-dasharray="2 3"');
  const row2 = y + 20;
  x = LEFT;
  const y0 = y;
  y = row2;
  for (const [state, fill] of Object.entries(SERVER_FILL)) swatch(fill, `server ${state}`, state === 'down' ? ' stroke="#b71c1c" stroke-dasharray="3 2"' : '');
  items.push(`<polygon points="${x},${y} ${x + 12},${y} ${x + 6},${y + 12}" fill="#6a1b9a"/><text x="${x + 16}" y="${y + 10}" class="legend">fault landed</text>`);
  x += 100;
  items.push(`<polygon points="${x},${y} ${x + 12},${y} ${x + 6},${y + 12}" fill="#ffffff" stroke="#6a1b9a"/><text x="${x + 16}" y="${y + 10}" class="legend">fault missed</text>`);
  x += 100;
  items.push(`<line x1="${x + 6}" y1="${y - 2}" x2="${x + 6}" y2="${y + 14}" stroke="#d50000" stroke-width="2.5"/><text x="${x + 12}" y="${y + 10}" class="legend">invariant violated</text>`);
  let height = 44;
  unplaced.forEach((line, i) => {
    items.push(`<text x="${LEFT}" y="${row2 + 32 + i * 14}" class="note unplaced-fault">${escapeXml(line)}</text>`);
    height += 14;
  });
  return { svg: `<g class="legend" transform="translate(0,0)" data-top="${y0}">${items.join('')}</g>`, height };
}

/** Renders the timeline picture of one run record. */
export function renderTimelineSvg(record: RunRecord): string {
  const domain = timeDomain(record);
  const scale = new Scale(domain);
  const lanes = buildLanes(record, domain);
  const title = `${record.scenario.id} iteration ${record.plan.iteration} — ${record.outcome}`;
  const faultY = MILESTONE_BAND + 4;
  const lanesTop = faultY + FAULT_ROW;
  const rows: string[] = [];
  let y = lanesTop;
  let previousGroup = lanes[0]?.group;
  for (const lane of lanes) {
    if (lane.group !== previousGroup) y += 8; // a little air between the set, key and server groups
    previousGroup = lane.group;
    rows.push(laneRow(lane, y, scale));
    y += LANE_H + LANE_GAP;
  }
  const lanesBottom = y;
  const faults = faultMarkers(record, scale, faultY, lanesBottom);
  const leg = legend(record, lanesBottom + 34, faults.unplaced);
  const height = lanesBottom + 34 + leg.height;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" class="rekey-timeline">`,
    `<title>${escapeXml(title)}</title>`,
    `<defs><pattern id="partial-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern>`,
    `<style>.lane-title{font-size:12px;fill:#212121}.seg-label{font-size:10px;fill:#ffffff;font-family:monospace}.milestone-label{font-size:9px;fill:#424242}.fault-label{font-size:10px;fill:#6a1b9a}.violation-label{font-size:11px;font-weight:bold;fill:#ffffff}.tick{font-size:10px;fill:#424242}.legend{font-size:10px;fill:#212121}.note{font-size:10px;fill:#757575;font-style:italic}.heading{font-size:13px;font-weight:bold}</style></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="18" class="heading">${escapeXml(title)}</text>`,
    milestoneMarkers(record, scale, MILESTONE_BAND, lanesBottom),
    ...rows,
    faults.svg,
    violationMarkers(record, scale, MILESTONE_BAND - 10, lanesBottom),
    axis(scale, lanesBottom + 2),
    leg.svg,
    `</svg>`,
  ].join('\n');
}
