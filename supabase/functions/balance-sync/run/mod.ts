/**
 * The run, as the handler and the tests import it: runSync and the shapes it takes and answers.
 * Inside run/: run.ts (one run, start to end), chain_loop.ts (one chain's loop), chain_read.ts and
 * record_outcome.ts (one batch read, then recorded), chain_lease.ts (a rate-limited chain's lease),
 * book.ts (the summary), settings.ts, context.ts, clock.ts, cpu.ts and caps.ts (what a run follows
 * and how far it may go), read_limits_book.ts (the chains' learned request sizes), unload.ts (the
 * worker's end).
 */
export type { ReaderRegistry, RunInput, SyncDeps } from "./context.ts";
export type { SyncSettings } from "./settings.ts";
export type { ChainSummary, RowReport, RowStatus, RunSummary, StopReason } from "./book.ts";
export { runSync } from "./run.ts";
