/**
 * Arming a plan's faults on the live timeline. A milestone trigger fires from
 * inside the timeline's listener — no polling, no extra hop — because the
 * window between two milestones can be a few milliseconds in embedded mode
 * (injection latency is measured by bench/trigger-landing.ts).
 *
 * A fault whose milestone can be gated (gating.ts) is armed with a gate
 * before the request: the milestone then holds the cluster, the fault is
 * applied, and only then is the gate released — always, on every path.
 *
 * Occurrences are counted per observer: the k-th `vault-rotated` means the
 * k-th report from the source that reported it first, so the feed and the
 * poller reporting the same rotation are not two occurrences.
 */
import { nowMs } from '../../common/clock.js';
import type { GateRecord, InjectedFault, TimelineEvent, TroubleEffect } from '../../common/record.js';
import type { PlannedFault } from '../../common/scenario.js';
import { redact } from '../../common/redact.js';
import type { FaultApplication } from '../faults/inject.js';
import type { MilestoneGate, MilestoneGates } from '../backends/backend.js';
import { armedRecord, failedArmRecord, gateEligible, heldAtApplication, mergeStatus, noteGateError } from './gating.js';
import { decideLanding } from './landing.js';
import type { TimelineSource } from './timeline-source.js';

export type ApplyFn = (planned: PlannedFault) => Promise<FaultApplication>;

interface FaultState {
  planned: PlannedFault;
  label: string;
  triggeredAt?: number;
  aimAt?: number;
  application?: FaultApplication;
  error?: string;
  inFlight?: Promise<void>;
  /** timed triggers: when they aim, and their injection once their time comes */
  timed?: { aimAt: number; done: Promise<void> };
  timer?: NodeJS.Timeout;
  gate?: MilestoneGate;
  gateRecord?: GateRecord;
  gateReleased?: boolean;
  /** vault-trouble: what its rules did, once read */
  trouble?: TroubleEffect[];
  finished?: boolean;
}

export function triggerLabel(p: PlannedFault): string {
  const t = p.trigger;
  if ('atMs' in t) return `at:${t.atMs}ms`;
  return `after:${t.after}${t.offsetMs ? `+${t.offsetMs}ms` : ''}${t.occurrence > 1 ? `#${t.occurrence}` : ''}`;
}

export class ArmedFaults {
  private readonly states: FaultState[];
  private readonly unsubscribe: () => void;
  private readonly firstSource = new Map<string, TimelineEvent['source']>();
  private readonly counts = new Map<string, number>();
  private cancelled = false;

  /** Armed before the request is created, so the request's own watch event cannot be missed. */
  constructor(
    private readonly timeline: TimelineSource,
    planned: PlannedFault[],
    private readonly apply: ApplyFn,
  ) {
    this.states = planned.map((p) => ({ planned: p, label: triggerLabel(p) }));
    this.unsubscribe = timeline.on((e) => this.onEvent(e));
  }

  /**
   * Arms a gate for every fault that can have one (gating.ts). Call before the
   * request. A gate that cannot be armed is recorded with its error, and its
   * fault falls back to plain timing; `arm` answering undefined (a backend
   * without gates) leaves the fault ungated and unrecorded.
   */
  async armGates(gates: MilestoneGates, maxHoldMs: number): Promise<void> {
    await Promise.all(
      this.states.map(async (s) => {
        if (this.cancelled || !gateEligible(s.planned, gates) || !('after' in s.planned.trigger)) return;
        const milestone = s.planned.trigger.after;
        try {
          const gate = await gates.arm(milestone, maxHoldMs);
          if (!gate) return;
          s.gate = gate;
          s.gateRecord = armedRecord(gate, maxHoldMs);
        } catch (err) {
          s.gateRecord = failedArmRecord(milestone, gates.kindOf(milestone) ?? 'kubernetes', maxHoldMs, err);
        }
      }),
    );
  }

  /** Releases (or disarms) every gate not released yet; call before the final audits, which a Vault gate would hold. */
  async releaseGates(): Promise<void> {
    await Promise.all(this.states.map((s) => this.releaseGate(s)));
  }

  private async releaseGate(s: FaultState): Promise<void> {
    if (!s.gate || s.gateReleased) return;
    s.gateReleased = true;
    try {
      mergeStatus(s.gateRecord!, await s.gate.release());
    } catch (err) {
      noteGateError(s.gateRecord!, 'release', err);
    }
  }

  /**
   * Reads what each applied fault left to read (a vault-trouble fault's rules:
   * how many requests they hit) and removes those rules. Call before anything
   * else talks to Vault; idempotent. A fault still being applied is waited for
   * first, so a rule armed late cannot outlive its iteration.
   */
  async finishFaults(): Promise<void> {
    // An injection still under way (an iteration that broke off) is waited for, so its rule is removed too.
    await this.settleFired();
    await Promise.all(
      this.states.map(async (s) => {
        const finish = s.application?.finish;
        if (!finish || s.finished) return;
        s.finished = true;
        s.trouble = await finish();
      }),
    );
  }

  /** Starts the timed triggers: they count from the instant the request was created. */
  requestCreated(requestedAt: number): void {
    if (this.cancelled) return;
    for (const s of this.states) {
      const t = s.planned.trigger;
      if ('atMs' in t) {
        const aimAt = requestedAt + t.atMs;
        s.timed = { aimAt, done: new Promise<void>((resolve) => this.at(s, aimAt, () => resolve(this.fire(s, aimAt, aimAt)))) };
      }
    }
  }

  private onEvent(e: TimelineEvent): void {
    if (this.cancelled || e.source === 'fault' || e.source === 'runner') return;
    const first = this.firstSource.get(e.name);
    if (first === undefined) this.firstSource.set(e.name, e.source);
    else if (first !== e.source) return;
    const n = (this.counts.get(e.name) ?? 0) + 1;
    this.counts.set(e.name, n);
    for (const s of this.states) {
      const t = s.planned.trigger;
      if (!('after' in t) || t.after !== e.name || t.occurrence !== n || s.triggeredAt !== undefined) continue;
      s.triggeredAt = e.t;
      if (t.offsetMs > 0) {
        s.inFlight = new Promise<void>((resolve) => this.at(s, e.t + t.offsetMs, () => resolve(this.fire(s, e.t, e.t + t.offsetMs))));
      } else {
        void this.fire(s, e.t, e.t);
      }
    }
  }

  /**
   * Runs `fn` at `aimAt` (nowMs clock), never before: Node timers work in
   * whole milliseconds and may fire up to one early, so an early wake-up waits
   * out the rest.
   */
  private at(s: FaultState, aimAt: number, fn: () => void): void {
    const wait = () => {
      const left = aimAt - nowMs();
      if (left <= 0) return fn();
      s.timer = setTimeout(wait, Math.ceil(left));
    };
    wait();
  }

  private fire(s: FaultState, triggeredAt: number, aimAt: number): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    s.triggeredAt = triggeredAt;
    s.aimAt = aimAt;
    return (s.inFlight = s.gate ? this.applyWhileHeld(s) : this.applyNow(s));
  }

  /**
   * The gated path: read the gate's status (when it closed), apply, release.
   * A Vault gate is read before the fault, because the fault may kill the
   * server whose gate closed and take the evidence with it; the API server's
   * gate is read alongside (faults never touch the API server).
   */
  private async applyWhileHeld(s: FaultState): Promise<void> {
    const gate = s.gate!;
    const rec = s.gateRecord!;
    const read = () => gate.status().then((st) => mergeStatus(rec, st), (err: unknown) => noteGateError(rec, 'status', err));
    try {
      if (gate.kind === 'vault') {
        await read();
        await this.applyNow(s);
      } else {
        await Promise.all([read(), this.applyNow(s)]);
      }
    } finally {
      await this.releaseGate(s);
    }
  }

  private applyNow(s: FaultState): Promise<void> {
    return this.apply(s.planned).then(
      (app) => {
        s.application = app;
        if (app.appliedAt !== undefined) {
          this.timeline.add({
            t: app.appliedAt,
            name: `fault:${s.planned.index}`,
            source: 'fault',
            detail: { kind: s.planned.fault.kind, target: app.target, trigger: s.label },
          });
        }
      },
      (err: unknown) => {
        s.error = redact(err instanceof Error ? err.message : String(err));
      },
    );
  }

  /**
   * Resolves once every timed fault aimed at or before `deadline` has been applied. As in the original
   * matrix, a timed fault is injected at its time even when the procedure has already completed (the
   * cluster is then idle); one aimed past the iteration's bound stays unreached (not hit).
   */
  async awaitTimed(deadline: number): Promise<void> {
    await Promise.all(this.states.filter((s) => s.timed && s.timed.aimAt <= deadline).map((s) => s.timed!.done));
  }

  /** Resolves once every fault whose trigger has been observed has finished applying (pending offsets included). */
  async settleFired(): Promise<void> {
    // An offset trigger's promise resolves into its injection's promise, so one pass waits for both.
    await Promise.all(this.states.map((s) => s.inFlight));
  }

  /** A fault is still due: a timed trigger whose time has not come, or an injection under way. */
  pending(): boolean {
    if (this.cancelled) return false;
    return this.states.some((s) => (s.timed !== undefined || s.inFlight !== undefined) && s.application === undefined && s.error === undefined);
  }

  /** When the latest fault applied so far was applied (undefined: none yet). */
  lastAppliedAt(): number | undefined {
    let last: number | undefined;
    for (const s of this.states) {
      const t = s.application?.appliedAt;
      if (t !== undefined && (last === undefined || t > last)) last = t;
    }
    return last;
  }

  /** Stop listening and drop every fault that has not fired (it will be reported as not hit). */
  cancel(): void {
    this.cancelled = true;
    this.unsubscribe();
    for (const s of this.states) if (s.timer) clearTimeout(s.timer);
  }

  /** The faults as the run record keeps them, with the landing decision over the final timeline. */
  results(events: readonly TimelineEvent[]): InjectedFault[] {
    return this.states.map((s) => {
      const app = s.application;
      const notFiredReason =
        s.error !== undefined
          ? `injection failed: ${s.error}`
          : s.aimAt === undefined
            ? `trigger ${s.label} not reached before the iteration ended`
            : undefined;
      const landing = decideLanding(
        {
          ...(s.aimAt !== undefined ? { aimAt: s.aimAt } : {}),
          ...(app?.appliedAt !== undefined ? { appliedAt: app.appliedAt } : {}),
          missing: app?.missing ?? [],
          ...(notFiredReason !== undefined ? { notFiredReason } : {}),
          timed: 'atMs' in s.planned.trigger,
          ...(app?.appliedAt !== undefined && heldAtApplication(s.gateRecord, app.appliedAt) !== undefined
            ? { gateHeld: heldAtApplication(s.gateRecord, app.appliedAt)! }
            : {}),
        },
        events,
      );
      const fault: InjectedFault = {
        index: s.planned.index,
        kind: s.planned.fault.randomSubset ? `${s.planned.fault.kind}(random-subset)` : s.planned.fault.kind,
        target: app?.target ?? '',
        targetSpec: s.planned.fault.randomSubset ? 'random-subset' : s.planned.fault.targets.join('+'),
        trigger: s.label,
        landed: landing.landed,
      };
      if (s.triggeredAt !== undefined) fault.triggeredAt = s.triggeredAt;
      if (app?.appliedAt !== undefined) fault.appliedAt = app.appliedAt;
      if (landing.missReason !== undefined) fault.missReason = landing.missReason;
      if (landing.nextMilestone) fault.nextMilestone = landing.nextMilestone;
      if (s.gateRecord) fault.gate = { ...s.gateRecord, ids: [...s.gateRecord.ids] };
      if (s.trouble) fault.trouble = s.trouble.map((t) => ({ ...t }));
      return fault;
    });
  }
}

export function armFaults(timeline: TimelineSource, planned: PlannedFault[], apply: ApplyFn, requestedAt?: number): ArmedFaults {
  const armed = new ArmedFaults(timeline, planned, apply);
  if (requestedAt !== undefined) armed.requestCreated(requestedAt);
  return armed;
}
