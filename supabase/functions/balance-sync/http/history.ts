/** The run history: each run's balance_sync.runs row, completed once the run has answered. */
import type { Logger } from "../log.ts";
import type { Operations, RunEnd } from "../db/store.ts";

/**
 * Completes the run's balance_sync.runs row: the run's one extra database call. Best effort: a
 * history that cannot be written must not change the run's answer (the row then shows the run as
 * running, and abandoned once its lease has passed).
 */
export async function finishRun(
  operations: Operations | undefined,
  log: Logger,
  runId: string,
  status: RunEnd,
  summary: Record<string, unknown>,
): Promise<void> {
  if (!operations) return;
  // The per-row list of a forced run is the caller's answer, not a figure of the run.
  const { rows: _rows, ...figures } = summary;
  try {
    await operations.finishRun(runId, status, figures);
  } catch (error) {
    log.warn("Run history not written", { error: (error as Error)?.message ?? String(error) });
  }
}
