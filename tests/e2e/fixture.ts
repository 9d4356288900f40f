/**
 * The shared E2E fixture: one stack per test module, started on first use and stopped after the
 * module's last test. Every test starts from empty tables, seeds its own data, and is wrapped so
 * that, after it, the other workers' columns of every row it seeded are byte-identical and no row
 * is left leased by a run of the function.
 */
import assert from "node:assert/strict";
import { moduleStack, type Stack } from "../../stack/stack.ts";
import { leasedByRuns, protectedSnapshot, resetData } from "../../stack/data.ts";

export function sharedStack(): () => Promise<Stack> {
  return moduleStack();
}

/** Fails naming each row whose protected columns differ from the snapshot. */
export function assertProtectedUnchanged(
  before: Map<string, string>,
  after: Map<string, string>,
): void {
  const changed = [...before].filter(([id, value]) => after.get(id) !== value).map(([id]) =>
    `${id}: ${before.get(id)} -> ${after.get(id) ?? "(row gone)"}`
  );
  assert.deepEqual(changed, [], "protected columns changed");
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
