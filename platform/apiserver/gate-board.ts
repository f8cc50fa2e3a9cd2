/**
 * The state machine of harness-only "gates", shared by the embedded API
 * server (Kubernetes writes) and the Vault double (rekey calls).
 *
 * A gate is armed with a matcher for one milestone event. When the event
 * happens the gate CLOSES: from then on the owner holds the requests it gates
 * (via `admission`) until the gate is released by the harness or its
 * `maxHoldMs` runs out (then it is `expired`). This is what lets the harness
 * inject a fault deterministically "right after" a milestone although the
 * system under test moves on within milliseconds: the system is paused at the
 * milestone, not raced.
 *
 * One-shot: a gate closes at most once; releasing an armed gate disarms it.
 * While any gate is closed every gated request waits; a request is counted as
 * `held` by each gate closed when it began to wait, and as `dropped` by those
 * gates when its client went away meanwhile (it is then never applied).
 */
import { randomUUID } from 'node:crypto';
import { nowMs } from '../../common/clock.js';

export type GateState = 'armed' | 'closed' | 'released' | 'expired';

export interface GateStatus<M> {
  id: string;
  match: M;
  state: GateState;
  maxHoldMs: number;
  armedAt: number;
  /** nowMs() when the milestone closed the gate; null while armed or when disarmed. */
  closedAt: number | null;
  /** nowMs() when it opened again (released, expired) or was disarmed. */
  releasedAt: number | null;
  /** requests that waited at this gate */
  held: number;
  /** held requests whose client went away before the gate opened (never applied) */
  dropped: number;
  /** the request whose own event closed the gate, in words (method and path; never a body) */
  closedBy: string | null;
}

/** The client side of one held request: lets the board notice a client that hung up. */
export interface ClientLink {
  gone(): boolean;
  /** Calls `cb` once when the client goes away; returns an unsubscribe. */
  onGone(cb: () => void): () => void;
}

export type Admission = 'go' | 'dropped';

interface Gate<M> extends GateStatus<M> {
  timer?: NodeJS.Timeout;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
/** (Promise.withResolvers is Node 22; the project runs on Node 20.) */
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Bounded memory: the oldest finished gates are forgotten past this many. */
const MAX_FINISHED = 500;
/** Upper bound of maxHoldMs: a forgotten release must not wedge a cluster for long. */
export const MAX_HOLD_MS = 120_000;

export class GateBoard<M> {
  private readonly gates = new Map<string, Gate<M>>();
  private reopened = deferred();

  arm(match: M, maxHoldMs: number): GateStatus<M> {
    const gate: Gate<M> = { id: randomUUID(), match, state: 'armed', maxHoldMs, armedAt: nowMs(), closedAt: null, releasedAt: null, held: 0, dropped: 0, closedBy: null };
    this.gates.set(gate.id, gate);
    this.forgetOld();
    return this.view(gate);
  }

  /** The milestone happened: closes every armed gate whose matcher accepts it. Returns the ids closed. */
  close(accepts: (match: M) => boolean, closedBy: string | null): string[] {
    const closed: string[] = [];
    for (const gate of this.gates.values()) {
      if (gate.state !== 'armed' || !accepts(gate.match)) continue;
      gate.state = 'closed';
      gate.closedAt = nowMs();
      gate.closedBy = closedBy;
      gate.timer = setTimeout(() => this.open(gate, 'expired'), gate.maxHoldMs);
      gate.timer.unref();
      closed.push(gate.id);
    }
    return closed;
  }

  /** Release (a closed gate) or disarm (an armed one). A finished gate is left as it is. Undefined for an unknown id. */
  release(id: string): GateStatus<M> | undefined {
    const gate = this.gates.get(id);
    if (!gate) return undefined;
    if (gate.state === 'armed') {
      gate.state = 'released';
      gate.releasedAt = nowMs();
    } else if (gate.state === 'closed') this.open(gate, 'released');
    return this.view(gate);
  }

  status(id: string): GateStatus<M> | undefined {
    const gate = this.gates.get(id);
    return gate ? this.view(gate) : undefined;
  }

  list(): GateStatus<M>[] {
    return [...this.gates.values()].map((g) => this.view(g));
  }

  anyClosed(): boolean {
    return this.closedGates().length > 0;
  }

  /**
   * Synchronous admission of a gated request: undefined when no gate is
   * closed (go on at once, in the same tick, so nothing can close a gate
   * between this check and the caller's commit); otherwise a promise that
   * settles when every gate is open again ('go'; the caller must ask again,
   * another gate may have closed meanwhile) or the client went away
   * ('dropped').
   */
  admission(client: ClientLink): Promise<Admission> | undefined {
    const closed = this.closedGates();
    if (closed.length === 0) return undefined;
    return this.holdWhileClosed(client, closed);
  }

  /** Resolves once none of these gates is closed any more. */
  async whenOpen(ids: string[]): Promise<void> {
    while (ids.some((id) => this.gates.get(id)?.state === 'closed')) await this.reopened.promise;
  }

  /** Opens every closed gate (as released) and stops all timers: the owner is shutting down. */
  dispose(): void {
    for (const gate of this.gates.values()) if (gate.state === 'closed') this.open(gate, 'released');
  }

  // --- internals ---------------------------------------------------------

  private closedGates(): Gate<M>[] {
    return [...this.gates.values()].filter((g) => g.state === 'closed');
  }

  private async holdWhileClosed(client: ClientLink, first: Gate<M>[]): Promise<Admission> {
    const counted = new Set<Gate<M>>();
    const count = (gates: Gate<M>[]) => {
      for (const g of gates) {
        if (counted.has(g)) continue;
        counted.add(g);
        g.held += 1;
      }
    };
    count(first);
    const gone = deferred();
    const unsubscribe = client.onGone(() => gone.resolve());
    try {
      for (;;) {
        if (client.gone()) {
          for (const g of counted) g.dropped += 1;
          return 'dropped';
        }
        const closed = this.closedGates();
        if (closed.length === 0) return 'go';
        count(closed);
        await Promise.race([this.reopened.promise, gone.promise]);
      }
    } finally {
      unsubscribe();
    }
  }

  private open(gate: Gate<M>, state: 'released' | 'expired'): void {
    if (gate.state !== 'closed') return;
    clearTimeout(gate.timer);
    delete gate.timer;
    gate.state = state;
    gate.releasedAt = nowMs();
    // Wake every waiter; each re-checks the gates and either goes or waits again.
    const wake = this.reopened;
    this.reopened = deferred();
    wake.resolve();
  }

  private forgetOld(): void {
    const finished = [...this.gates.values()].filter((g) => g.state === 'released' || g.state === 'expired');
    for (const g of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED))) this.gates.delete(g.id);
  }

  private view(gate: Gate<M>): GateStatus<M> {
    const { timer: _t, ...status } = gate;
    return structuredClone(status);
  }
}

/** A ClientLink for an HTTP exchange: the client is gone once the response closed before it was sent. */
export function httpClientLink(res: import('node:http').ServerResponse): ClientLink {
  const gone = () => res.destroyed || (res.socket?.destroyed ?? false) || (res.closed && !res.writableFinished);
  return {
    gone,
    onGone(cb) {
      const onClose = () => {
        if (!res.writableFinished) cb();
      };
      res.once('close', onClose);
      return () => res.off('close', onClose);
    },
  };
}
