/**
 * The run summary as terminal text: plain columns, no colour codes (CI logs
 * keep them badly), every line passed through redact() on the way out.
 */
import { redact } from '../../common/redact.js';
import { OUTCOMES, type OutcomeCounts, type RunSummary } from './summarize.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function countsRow(name: string, c: OutcomeCounts): string {
  return pad(name, 12) + [String(c.total), ...OUTCOMES.map((o) => String(c[o]))].map((v) => pad(v, 10)).join('');
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`rekey-chaos summary: ${s.totals.total} iterations — ${s.totals.passed} passed, ${s.totals.failed} failed, ${s.totals.timeout} timed out, ${s.totals['environment-error']} environment errors, ${s.totals['not-hit']} not hit`);
  lines.push('');
  lines.push(pad('family', 12) + ['total', ...OUTCOMES.map((o) => (o === 'environment-error' ? 'env-error' : o))].map((v) => pad(v, 10)).join(''));
  for (const [family, c] of Object.entries(s.byFamily).sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))) lines.push(countsRow(family, c));
  lines.push('');
  lines.push(pad('invariant', 12) + ['passed', 'failed', 'skipped'].map((v) => pad(v, 10)).join(''));
  for (const [id, c] of Object.entries(s.byInvariant).sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })))
    lines.push(pad(id, 12) + [c.passed, c.failed, c.skipped].map((v) => pad(String(v), 10)).join(''));
  if (s.slowest.length > 0) {
    lines.push('');
    lines.push('slowest:');
    for (const it of s.slowest) lines.push(`  ${pad(seconds(it.durationMs), 10)} ${it.scenarioId} #${it.iteration} (${it.measured === 'request-to-complete' ? 'request → complete' : 'whole iteration, did not complete'})`);
  }
  if (s.failures.length > 0) {
    lines.push('');
    lines.push('failures (replay with):');
    for (const f of s.failures) {
      // one line per failure: multi-line errors (a daemon's stderr) are folded
      lines.push(`  ${f.scenarioId} #${f.iteration} ${f.outcome}${f.invariants.length ? ` [${f.invariants.join(', ')}]` : ''}: ${f.message.replace(/\s*\n\s*/g, ' | ')}`);
      lines.push(`    ${f.replay}`);
    }
  }
  return lines.map(redact).join('\n') + '\n';
}
