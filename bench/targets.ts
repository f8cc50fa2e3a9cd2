/**
 * The targets the project set for its figures, and the comparison of the measured figures with
 * them. A missed target is reported (✗), not an error: the bench measures.
 */

/** The top-level numbers of out/bench/latest.json: their names are a contract CI scripts read. */
export const FIGURE_KEYS = [
  'iteration_median_s',
  'iteration_p95_s',
  'procedure_configured_s',
  'matrix_full_minutes',
  'injection_p50_ms',
  'injection_p95_ms',
  'embedded_peak_rss_mb',
  'harness_peak_rss_mb',
  'mutation_score',
  'time_to_first_failure_median_s',
  'label_latency_max_ms',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];
export type Figures = Record<FigureKey, number>;

export interface Target {
  key: FigureKey;
  /** the target, in words */
  text: string;
  met(value: number): boolean;
}

export const TARGETS: readonly Target[] = [
  { key: 'iteration_median_s', text: '≤ 3 s (one iteration with one fault)', met: (v) => v <= 3 },
  { key: 'matrix_full_minutes', text: '≤ 15 min (600 iterations, this machine)', met: (v) => v <= 15 },
  { key: 'injection_p95_ms', text: '≤ 25 ms', met: (v) => v <= 25 },
  { key: 'embedded_peak_rss_mb', text: '≤ 400 MB', met: (v) => v <= 400 },
  { key: 'mutation_score', text: '= 1 (every broken variant caught)', met: (v) => v >= 1 },
  { key: 'time_to_first_failure_median_s', text: '≤ 60 s', met: (v) => v <= 60 },
  { key: 'label_latency_max_ms', text: '≤ 1000 ms (every seal/unseal/active transition on the pod labels)', met: (v) => v <= 1000 },
];

export interface TargetCheck {
  key: FigureKey;
  value: number;
  target?: string;
  met?: boolean;
}

/** Every figure in contract order, with its target verdict where one is set. */
export function checkTargets(figures: Figures): TargetCheck[] {
  return FIGURE_KEYS.map((key) => {
    const value = figures[key];
    const target = TARGETS.find((t) => t.key === key);
    return target ? { key, value, target: target.text, met: Number.isFinite(value) && target.met(value) } : { key, value };
  });
}

export function mark(check: TargetCheck): string {
  return check.met === undefined ? '' : check.met ? '✓' : '✗';
}
