/**
 * The real function over HTTP, on a chain where another service's database refuses any write to
 * one row: a frozen-row trigger, a NOT VALID check that one legacy row violates, a trigger that
 * names a table without its schema. Before, the claim failed as a whole and the chain answered
 * 503 every tick. Now the tick answers 200, the chain's other rows are synced in it, and the
 * refused row is parked with the database's reason (balance_sync.why).
 */
import assert from "node:assert/strict";
import { seedWorld } from "../../stack/data.ts";
import { rowRefusals } from "../support/row_refusals.ts";
import { e2eTest, sharedStack } from "./fixture.ts";

const stack = sharedStack();

const REFUSALS = rowRefusals("e2e_");

for (const refusal of REFUSALS) {
  e2eTest(
    stack,
    `a tick over a chain with ${refusal.name} answers 200 and syncs the chain's other rows`,
    (s) => seedWorld(s, { wallets: 3 }),
    async (s, world) => {
      const evmRows = world.rows.filter((r) => r.family === "evm");
      const bad = evmRows[0].id;
      const others = evmRows.slice(1).map((r) => r.id);
      await s.sql`delete from balance_sync.refused_rows`;
      // The refused row is the stalest: first in line.
      await s.sql`update public.wallet_balances set last_checked = now() - interval '1 day'
                  where id = any(${others})`;
      await refusal.install(s.sql, bad);
      try {
        const fn = await s.serveFunction();
        const response = await fn.call({ chain_id: world.evmChainId, scheduled: true });

        assert.equal(response.status, 200, response.text);
        assert.equal(response.body.synced, others.length, JSON.stringify(response.body));
        assert.equal(response.body.claimed, others.length);
        assert.equal(response.body.failed, 1, "the refused row counts as failed");
        const rows = await s.sql`select id::text as id, sync_count, locked_by
                                 from public.wallet_balances where id = any(${others})`;
        for (const row of rows) assert.deepEqual([row.sync_count, row.locked_by], [1, null]);
        const [why] = await s.sql`select state, reason from balance_sync.why(${bad})`;
        assert.equal(why.state, "backoff");
        assert.match(why.reason, /^refused by the database: /);
        assert.match(why.reason, refusal.reason);

        // The next tick does not stumble over it either.
        const next = await fn.call({ chain_id: world.evmChainId, scheduled: true });
        assert.equal(next.status, 200, next.text);
      } finally {
        await refusal.remove(s.sql);
        await s.sql`delete from balance_sync.refused_rows`;
      }
    },
  );
}
