/**
 * The documented bound (docs/configuration.md, "Adaptive request sizes"): runs a chain takes to grow back to the
 * unlimited sizes after its provider lifts a limit, from the worst moment (right after a refusal).
 * Checked by tests/unit/chains/read_limits.test.ts and evm_read_limits.test.ts.
 */
export const GROW_BACK_RUNS = 65;
