/**
 * The run, as the handler and the tests import it. It lives in modules named for what they do:
 * run.ts (the loop), batch.ts and chain_batch.ts (one batch, one chain's read),
 * record_outcome.ts (record's answer → row statuses), summary.ts (the summary and its books).
 */
export type { ReaderRegistry, RunInput, SyncDeps } from "./context.ts";
export type { SyncSettings } from "./settings.ts";
export type { ChainSummary, RowReport, RowStatus, RunSummary, StopReason } from "./book.ts";
export { runSync } from "./run.ts";
