/**
 * The shared E2E fixture: one stack per test module, started on first use and stopped after the
 * module's last test. Every test starts from empty tables, seeds its own data, and is wrapped so
 * that, after it, the other workers' columns of every row it seeded are byte-identical and no row
 * is left leased by a run of the function. The reliability suite's harness adds its own checks
 * to the same wrapper (tests/reliability/harness.ts).
 */
import assert from "node:assert/strict";
import { moduleStack, type Stack, type StackOptions, startStack } from "../../stack/stack.ts";
import { leasedByRuns, resetData } from "../../stack/data.ts";
import { assertProtectedUnchanged, protectedSnapshot } from "../../stack/protected_columns.ts";

/**
 * The module's stack. `options` parametrize it: `{ legacyKeys: "disabled" }` runs the module as a
 * hosted project that disabled its legacy JWT keys (only the new keys work).
 */
export function sharedStack(options: StackOptions = {}): () => Promise<Stack> {
  return moduleStack(() => startStack(options));
}

/** Leases a test sets up on purpose belong to workers named `other-...`. */
export const FOREIGN_WORKER = "other-worker";

/** A test that starts processes and servers that outlive it (a module-wide stack): no sanitizers. */
export function stackTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

export interface InvariantHooks {
  /** After the tables are emptied, before the test's setup. */
  afterReset?(): Promise<unknown>;
  /** After the protected-columns check, with the snapshot taken after the test. */
  check?(after: Map<string, string>): Promise<void>;
}

/**
 * Runs one test between the invariants every E2E and reliability test keeps: empty tables and no
 * TRON fault before it; afterwards the other workers' columns unchanged since its setup, and no
 * row left leased by a run.
 */
export async function withInvariants<T>(
  stack: Stack,
  setup: () => Promise<T>,
  body: (data: T) => Promise<void>,
  hooks: InvariantHooks = {},
): Promise<void> {
  stack.tron.clearFaults();
  await resetData(stack.sql);
  await hooks.afterReset?.();
  const data = await setup();
  const before = await protectedSnapshot(stack.sql);
  await body(data);
  const after = await protectedSnapshot(stack.sql);
  assertProtectedUnchanged(before, after);
  await hooks.check?.(after);
  assert.deepEqual(await leasedByRuns(stack), [], "rows left leased by a run");
}

export function e2eTest<T>(
  getStack: () => Promise<Stack>,
  name: string,
  setup: (stack: Stack) => Promise<T>,
  body: (stack: Stack, data: T) => Promise<void>,
): void {
  stackTest(name, async () => {
    const stack = await getStack();
    await withInvariants(stack, () => setup(stack), (data) => body(stack, data));
  });
}

/** The PostgREST stand-in's calls per API function made since `before` (a copy of its counts). */
export function postgrestCallsSince(
  stack: Stack,
  before: Map<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    [...stack.postgrest.calls].map(([fn, n]) => [fn, n - (before.get(fn) ?? 0)])
      .filter(([, n]) => n !== 0),
  );
}
