/**
 * The shared E2E fixture: one stack per test module, started on first use and stopped after the
 * module's last test. Every test starts from empty tables, seeds its own data, and is wrapped so
 * that, after it, the other workers' columns of every row it seeded are byte-identical and no row
 * is left leased by a run of the function.
 */
import assert from "node:assert/strict";
import { moduleStack, type Stack } from "../../stack/stack.ts";
import { leasedByRuns, resetData } from "../../stack/data.ts";
import { assertProtectedUnchanged, protectedSnapshot } from "../../stack/protected_columns.ts";

export function sharedStack(): () => Promise<Stack> {
  return moduleStack();
}

/** Leases a test sets up on purpose belong to workers named `other-...`. */
export const FOREIGN_WORKER = "other-worker";

export function e2eTest<T>(
  getStack: () => Promise<Stack>,
  name: string,
  setup: (stack: Stack) => Promise<T>,
  body: (stack: Stack, data: T) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const stack = await getStack();
      stack.tron.clearFaults();
      await resetData(stack.sql);
      const data = await setup(stack);
      const before = await protectedSnapshot(stack.sql);
      await body(stack, data);
      assertProtectedUnchanged(before, await protectedSnapshot(stack.sql));
      assert.deepEqual(await leasedByRuns(stack), [], "rows left in processing");
    },
  });
}
