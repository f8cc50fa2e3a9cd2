/**
 * The bench's measurements in order, on one embedded cluster, with the RSS
 * sampler running throughout: (1) per-family iteration wall time, (2) a
 * milestone sample for the injection latency together with the reference
 * baseline of the mutation candidates, (3) the standard matrix (extrapolated,
 * or run with --full), (4) every broken manager variant. Each section that
 * cannot measure its figure records why and the others still run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunRecord } from '../common/record.js';
import { redact } from '../common/redact.js';
import { buildItems } from '../cli/run-exec.js';
import { DEFECTS } from '../manager/defects/registry.js';
import type { Catalog } from '../matrix/catalog.js';
import { REFERENCE_STATUS_RATE_MS } from '../matrix/plan.js';
import { MeasurementError } from './errors.js';
import { faultedIterationSeconds, familySample, measureFamilies, notPassed } from './families.js';
import { injectionLatency, injectionSamples, milestoneSample } from './injection.js';
import { profileSnapshot } from './injection-path.js';
import { measureLabelLatency } from './label-latency.js';
import { baselineOutcomes, baselineRefs, candidateKey, checkCandidates, measureDefect, mutationSummary, type DefectResult } from './mutation.js';
import type { BenchReport } from './report.js';
import { RssSampler } from './rss.js';
import { BenchSession } from './session.js';
import { round, summarize } from './stats.js';
import { extrapolateMatrix, measureFullMatrix, standardMatrixCounts } from './throughput.js';

export interface BenchOptions {
  iterations: number;
  milestones: number;
  full: boolean;
  defects: string[];
  out: string;
  keep: boolean;
  timescale: number;
}

/**
 * An undisturbed rekey takes one manager pass per step (docs/procedure.md,
 * "Choosing the step": one step per pass): initialize, authenticate, verify, shuffle, audit +
 * finalize.
 */
export const UNDISTURBED_PASSES = 5;

type Log = (line: string) => void;

export async function measureAll(report: BenchReport, options: BenchOptions, catalog: Catalog, signal: AbortSignal, log: Log): Promise<void> {
  // Everything that can be wrong with the lists is found before a cluster starts.
  checkCandidates(catalog, options.defects);
  const samples = familySample(catalog, options.iterations);
  const statusRateMs = options.timescale * REFERENCE_STATUS_RATE_MS;
  const configuredS = round((statusRateMs * UNDISTURBED_PASSES) / 1000, 3);
  report.procedure_configured_s = configuredS;
  report.procedure = { status_rate_ms: statusRateMs, passes: UNDISTURBED_PASSES, how: `status rate × passes of an undisturbed rekey (initialize, authenticate, verify, shuffle, audit+finalize); the embedded manager runs at ${statusRateMs} ms` };

  const dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-bench-'));
  const sampler = new RssSampler({ stateDir: path.join(dir, 'state') });
  sampler.start();
  let session: BenchSession | undefined;
  const section = async (name: string, fn: () => Promise<void>) => {
    if (signal.aborted) throw new MeasurementError(name, 'interrupted');
    try {
      await fn();
    } catch (err) {
      if (signal.aborted) throw err;
      report.errors.push(`${name}: ${redact(err instanceof Error ? err.message : String(err))}`);
    }
  };
  try {
    log(`bench: starting the embedded cluster in ${dir}`);
    session = await BenchSession.open(signal, dir);
    const s = session;
    const familyRecords: RunRecord[] = [];
    const referenceRecords: RunRecord[] = [];

    await section('iteration wall time', async () => {
      log(`bench: ${options.iterations} iterations of each family F1–F10 (reference manager)`);
      const result = await measureFamilies(s, samples, options.timescale, configuredS, log);
      familyRecords.push(...result.records);
      report.families = result.families;
      const faulted = summarize(faultedIterationSeconds(result.records), 'iteration wall time (one fault)');
      report.iteration_median_s = round(faulted.median);
      report.iteration_p95_s = round(faulted.p95);
      report.iteration_sample = { description: 'every sampled iteration of F2–F10 (one fault each), reference manager, embedded cluster', n: faulted.n, min_s: round(faulted.min), max_s: round(faulted.max) };
      const f1 = result.families.find((f) => f.family === 'F1');
      if (f1?.procedure_median_s !== undefined && report.procedure) report.procedure.measured_f1_median_s = f1.procedure_median_s;
    });

    await section('fault-injection latency', async () => {
      const have = new Set(familyRecords.map((r) => candidateKey({ scenario: r.scenario.id, iteration: r.plan.iteration })));
      const refs = [...milestoneSample(catalog, options.milestones).map((scenario) => ({ scenario, iteration: 0 })), ...baselineRefs(catalog, options.defects)];
      const unique = refs.filter((r) => {
        const key = candidateKey({ scenario: r.scenario.id, iteration: r.iteration });
        return have.has(key) ? false : (have.add(key), true);
      });
      log(`bench: ${unique.length} milestone iterations (injection sample ${options.milestones} + mutation baseline), reference manager`);
      const batch = await s.run(buildItems(unique, { backend: 'embedded', manager: 'reference', timescale: options.timescale }), { kind: 'reference' });
      referenceRecords.push(...batch.summary.results.map((r) => r.record));
      report.milestone_batch = { n: referenceRecords.length, outcomes: batch.summary.counts, not_passed: notPassed(referenceRecords) };
      const latency = injectionLatency(referenceRecords);
      report.injection_p50_ms = latency.p50_ms;
      report.injection_p95_ms = latency.p95_ms;
      report.injection = { description: 'appliedAt − triggeredAt − planned offset of every milestone-triggered fault, reference manager (the seeded milestone sample and the mutation baseline)', ...latency, samples: injectionSamples(referenceRecords) };
      report.injection.snapshot_before_fault = await profileSnapshot(s, 30);
      log(`  injection latency p50 ${latency.p50_ms} ms, p95 ${latency.p95_ms} ms over ${latency.n} faults (of which a pod snapshot: p50 ${report.injection.snapshot_before_fault.p50_ms} ms)`);
    });

    await section('label latency', async () => {
      // On the reference deployment the injection sample left behind (a settled cluster with its feed).
      const latency = await measureLabelLatency(s.clusterBackend, s.clusterHandle, signal);
      report.label_latency = { description: 'feed transition (active, sealed, unsealed) → the pod label change seen by a watch, over one failover of the active server', ...latency };
      report.label_latency_max_ms = latency.max_ms;
      log(`  label latency p50 ${latency.p50_ms} ms, max ${latency.max_ms} ms over ${latency.n} transitions (${latency.unmatched} unmatched)`);
    });

    await section('standard matrix throughput', async () => {
      if (options.full) {
        report.matrix = await measureFullMatrix(s, catalog, options.timescale, log);
      } else {
        if (!report.families) throw new MeasurementError('matrix throughput', 'no family sample to extrapolate from');
        report.matrix = extrapolateMatrix(report.families, standardMatrixCounts(catalog), s.upMs, s.deployMs[0] ?? 0);
      }
      report.matrix_full_minutes = report.matrix.minutes;
    });

    await section('mutation score', async () => {
      const baseline = baselineOutcomes([...familyRecords, ...referenceRecords]);
      const results: DefectResult[] = [];
      log(`bench: ${options.defects.length} broken manager variants`);
      for (const name of options.defects) {
        const defect = DEFECTS.find((d) => d.name === name)!;
        results.push(await measureDefect(s, catalog, defect, baseline, options.timescale, log));
      }
      const summary = mutationSummary(results);
      report.mutation = { ...summary, defects: results };
      report.mutation_score = summary.score;
      if (summary.time_to_first_failure_median_s === undefined) throw new MeasurementError('time to first failure', 'no broken variant was caught');
      report.time_to_first_failure_median_s = summary.time_to_first_failure_median_s;
    });
    report.cluster = { up_s: round(s.upMs / 1000, 2), deploys_s: s.deployMs.map((ms) => round(ms / 1000, 2)) };
  } finally {
    try {
      const rss = await sampler.stop();
      report.rss = { description: 'Σ VmRSS per sample of the cluster tree (daemon = API server + agent + proxy, pods) and of the harness process (max with its VmHWM)', ...rss };
      report.embedded_peak_rss_mb = rss.embeddedPeakMb;
      report.harness_peak_rss_mb = rss.harnessPeakMb;
    } catch (err) {
      report.errors.push(`peak RSS: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (session) await session.close(options.keep);
    else if (!options.keep) await rm(dir, { recursive: true, force: true });
    if (options.keep) log(`bench: kept ${dir}`);
  }
}
