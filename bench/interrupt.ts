/**
 * Ctrl-C, or the SIGTERM of a timeout, stops what a benchmark started and exits 130: no
 * PostgreSQL, anvil or function process is left behind. Returns the undo, for the normal end.
 */
export function stopOnInterrupt(
  log: (line: string) => void,
  stop: () => Promise<unknown>,
): () => void {
  const onSignal = () => {
    log("interrupted: stopping everything");
    stop().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  return () => {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  };
}
