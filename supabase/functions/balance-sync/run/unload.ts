/**
 * The worker's last moments: the Edge Runtime dispatches `beforeunload` on the global scope before
 * it ends a worker (detail.reason "cpu", "memory", "wall_clock", "early_drop" or "termination":
 * supabase/edge-runtime, ext/runtime/js/bootstrap.js and WillTerminateReason in
 * crates/base/src/runtime/mod.rs). Every run in flight then stops claiming and reading, records
 * what it has read and gives back its rows and chain leases within a bounded time, instead of
 * leaving them to their leases (2 minutes by default).
 */

/** A run that can be asked to end now. */
export interface StoppableRun {
  /** Stop claiming and reading; the writes still to come share the next `releaseMs`. */
  stop(reason: string): void;
  /** Settles when the run has ended (its rows and leases written back or given up). */
  readonly ended: Promise<unknown>;
}

/** How long the last writes of a run told to end may take together. */
export const UNLOAD_RELEASE_MS = 1500;

/** The runs this process serves now. */
export class InFlightRuns {
  readonly #runs = new Set<StoppableRun>();
  #unloading: string | null = null;

  /** Adds a run; the returned function removes it. A run added while unloading is stopped. */
  add(run: StoppableRun): () => void {
    this.#runs.add(run);
    if (this.#unloading !== null) run.stop(this.#unloading);
    return () => this.#runs.delete(run);
  }

  get size(): number {
    return this.#runs.size;
  }

  get unloading(): string | null {
    return this.#unloading;
  }

  /** Stops every run; settles once they have all ended (each within its bounded writes). */
  stopAll(reason: string): Promise<void> {
    this.#unloading ??= reason;
    const runs = [...this.#runs];
    for (const run of runs) run.stop(reason);
    return Promise.allSettled(runs.map((run) => run.ended)).then(() => {});
  }
}

type WaitUntil = (promise: Promise<unknown>) => void;

/** EdgeRuntime.waitUntil where the runtime has it (it keeps the worker up for the promise). */
export function runtimeWaitUntil(): WaitUntil | null {
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil?: WaitUntil } }).EdgeRuntime;
  return typeof runtime?.waitUntil === "function" ? runtime.waitUntil.bind(runtime) : null;
}

/**
 * Listens for `beforeunload` on `target` (the global scope) and stops every run in flight.
 * Returns the function that stops listening.
 */
export function stopRunsOnUnload(
  runs: InFlightRuns,
  onStop: (reason: string, runs: number) => void = () => {},
  target: EventTarget = globalThis,
  waitUntil: WaitUntil | null = runtimeWaitUntil(),
): () => void {
  const listener = (event: Event) => {
    const detail = (event as CustomEvent<{ reason?: unknown } | null>).detail;
    const reason = typeof detail?.reason === "string" ? detail.reason : "unload";
    if (runs.size > 0) onStop(reason, runs.size);
    const ended = runs.stopAll(reason);
    waitUntil?.(ended);
  };
  target.addEventListener("beforeunload", listener);
  return () => target.removeEventListener("beforeunload", listener);
}
