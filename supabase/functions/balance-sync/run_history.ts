import process from "node:process";
import type { Logger } from "./log.ts";
import type { Operations, RunEnd } from "./store.ts";

/** Process CPU time in ms, or null where the runtime does not tell. */
function processCpuMs(): number | null {
  try {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  } catch {
    return null;
  }
}

const inFlight = new Set<{ overlapped: boolean }>();

/**
 * Measures a run's CPU time from the process's: known only when no other run of this process
 * overlapped it (runs share one isolate), otherwise null.
 */
export function startCpuMeter(): () => number | null {
  const run = { overlapped: inFlight.size > 0 };
  for (const other of inFlight) other.overlapped = true;
  inFlight.add(run);
  const started = processCpuMs();
  return () => {
    inFlight.delete(run);
    const now = processCpuMs();
    if (run.overlapped || started === null || now === null) return null;
    return Math.round(now - started);
  };
}

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
