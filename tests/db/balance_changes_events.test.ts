/**
 * NOTIFY on channel balance_sync_changes, received by a real LISTEN client (npm:postgres
 * `sql.listen`). Notifications from different transactions reach a listener in commit order, so
 * a marker notified after a transaction commits proves that nothing of that transaction is still
 * on its way.
 */
import assert from "node:assert/strict";
import { toHuman } from "../../supabase/functions/balance-sync/amount.ts";
import { type Cluster, sharedCluster, type Sql } from "../../stack/pg.ts";
import { waitFor } from "../support/wait.ts";
import { claim, migratedDb, record, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const CHANNEL = "balance_sync_changes";
const ok = (id: string, raw: bigint) => ({
  id,
  raw: raw.toString(),
  human: toHuman(raw, 18),
  block: "1",
});
const force = (ids: string[]) => ({ filter: { wallet_balance_ids: ids }, limit: ids.length });

interface Listener {
  /** Change notifications received so far (markers excluded), parsed. */
  received: Record<string, unknown>[];
  raw: string[];
  /** Resolves once every notification committed before this call has been received. */
  drain(): Promise<void>;
}

async function listen(listenerSql: Sql, admin: Sql): Promise<Listener> {
  const received: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const markers = new Set<string>();
  let seq = 0;
  await listenerSql.listen(CHANNEL, (payload) => {
    const value = JSON.parse(payload);
    if (typeof value.marker === "string") markers.add(value.marker);
    else {
      received.push(value);
      raw.push(payload);
    }
  });
  return {
    received,
    raw,
    async drain() {
      const marker = `m${++seq}`;
      await admin`select pg_notify(${CHANNEL}, ${JSON.stringify({ marker })})`;
      await waitFor(`marker ${marker}`, () => markers.has(marker));
    },
  };
}

async function setup(name: string, rows: number) {
  const { c, db, sql } = await migratedDb(cluster, name);
  const { ids } = await seedDueRows(sql, rows);
  const listener = await listen(c.connect(db, { max: 1 }), sql);
  return { c, db, sql, ids, listener };
}

Deno.test("events: a LISTEN client gets one notification per batch with changes, with the change ids only, and none for a batch without changes", async () => {
  const { sql, ids, listener } = await setup("events_batches", 5);
  await claim(sql, "run-1", force(ids));
  await record(sql, "run-1", ids.map((id, i) => ok(id, BigInt(i + 1))));
  await listener.drain();
  assert.equal(listener.received.length, 1, "one notification for the batch");
  const [first] = listener.received;
  const stored = await sql`select public.balance_sync_changes_since(0, 100) as c`;
  // any login role may LISTEN: no balance, wallet or row id travels in the payload
  assert.deepEqual(first, {
    run: "run-1",
    count: 5,
    part: 1,
    parts: 1,
    ids: stored.map((r) => r.c.id),
  });

  await claim(sql, "run-2", force(ids));
  const same = await record(sql, "run-2", ids.map((id, i) => ok(id, BigInt(i + 1))));
  assert.equal(same.applied, 5);
  await listener.drain();
  assert.equal(listener.received.length, 1, "no notification for a batch without changes");

  await claim(sql, "run-3", force(ids));
  await record(sql, "run-3", [
    ok(ids[0], 100n),
    ...ids.slice(1).map((id, i) => ok(id, BigInt(i + 2))),
  ]);
  await listener.drain();
  assert.equal(listener.received.length, 2);
  const second = listener.received[1] as { count: number; ids: number[] };
  assert.equal(second.count, 1);
  const [change] = await sql`select public.balance_sync_changes_since(${
    second.ids[0] - 1
  }, 1) as c`;
  assert.deepEqual(
    [change.c.wallet_balance_id, change.c.previous_raw, change.c.new_raw, change.c.delta_raw],
    [ids[0], "1", "100", "99"],
    "the id leads to the row",
  );
});

Deno.test("events: the notification is delivered at commit, and never for a rolled-back batch", async () => {
  const { c, db, sql, ids, listener } = await setup("events_commit", 2);
  const writer = c.connect(db, { max: 1 });
  await claim(sql, "run-1", force([ids[0]]));
  await claim(sql, "run-2", force([ids[1]]));

  let commit!: () => void;
  const committed = writer.begin(async (tx) => {
    await record(tx as unknown as Sql, "run-1", [ok(ids[0], 7n)]);
    await new Promise<void>((resolve) => commit = resolve);
  });
  await waitFor("the open transaction", () => commit !== undefined);
  await listener.drain();
  assert.equal(listener.received.length, 0, "nothing before commit");
  commit();
  await committed;
  await listener.drain();
  assert.equal(listener.received.length, 1, "delivered once committed");

  await assert.rejects(
    writer.begin(async (tx) => {
      await record(tx as unknown as Sql, "run-2", [ok(ids[1], 8n)]);
      throw new Error("rolled back");
    }),
    /rolled back/,
  );
  await listener.drain();
  assert.equal(listener.received.length, 1, "a rolled-back batch sends nothing");
});

Deno.test("events: a batch too large for one payload is split into id lists, each under 8,000 bytes, covering every change once", async () => {
  const { sql, ids, listener } = await setup("events_split", 1500);
  await claim(sql, "run-split", force(ids));
  // uint256-scale values: rows this long would need many notifications, so ids are sent.
  await record(sql, "run-split", ids.map((id, i) => ok(id, (1n << 255n) + BigInt(i))));
  await listener.drain();
  const parts = listener.received as {
    run: string;
    count: number;
    part: number;
    parts: number;
    ids: number[];
  }[];
  assert.ok(parts.length > 1, `split into ${parts.length} notifications`);
  for (const payload of listener.raw) {
    assert.ok(new TextEncoder().encode(payload).length < 8000, "each payload is under the limit");
  }
  assert.deepEqual(parts.map((p) => p.part), parts.map((_, i) => i + 1));
  for (const p of parts) {
    assert.equal(p.parts, parts.length);
    assert.equal(p.count, 1500);
    assert.equal(p.run, "run-split");
  }
  const [{ all }] = await sql`select array_agg(id order by id) as all
                              from balance_sync.balance_changes`;
  assert.deepEqual(parts.flatMap((p) => p.ids), all.map(Number), "every id once, in order");
});

/**
 * A session that LISTENs and then sits idle in a transaction: PostgreSQL's NOTIFY queue cannot
 * drain past it, so its usage only grows while others notify.
 */
async function stuckListener(c: Cluster, db: string) {
  const sql = c.connect(db, { max: 1 });
  const reserved = await sql.reserve();
  await reserved`listen balance_sync_changes`;
  await reserved.unsafe("begin");
  await reserved`select 1`;
  return {
    async release() {
      await reserved.unsafe("commit");
      reserved.release();
    },
  };
}

const queueUsage = async (sql: Sql) =>
  Number((await sql`select pg_notification_queue_usage() as u`)[0].u);

Deno.test("events: while the NOTIFY queue is fuller than notify_queue_threshold, record still succeeds, sends no notification and counts it", async () => {
  const { c, db, sql, ids, listener } = await setup("events_queue_full", 3);
  const stuck = await stuckListener(c, db);
  // fill the queue past the threshold: 0 here (any page held), as 0.5 would need gigabytes
  while (await queueUsage(sql) === 0) {
    await sql`select pg_notify('balance_sync_filler', repeat('x', 7900))`;
  }
  await sql`update balance_sync.settings set value = '0' where key = 'notify_queue_threshold'`;

  await claim(sql, "run-full", force(ids.slice(0, 2)));
  const recorded = await record(sql, "run-full", ids.slice(0, 2).map((id) => ok(id, 5n)));
  assert.equal(recorded.applied, 2, "record succeeds");
  const [{ n }] = await sql`select count(*)::int as n from balance_sync.balance_changes`;
  assert.equal(n, 2, "the change log has the rows: cursor readers lose nothing");
  const [{ m }] = await sql`select public.balance_sync_metrics() as m`;
  assert.match(m, /# TYPE balance_sync_notifications_skipped_total counter\n/);
  assert.match(m, /\nbalance_sync_notifications_skipped_total 1\n/);

  // the queue drains once the stuck session ends; with room, notifications go out again
  await stuck.release();
  await sql`update balance_sync.settings set value = '0.5' where key = 'notify_queue_threshold'`;
  await claim(sql, "run-room", force([ids[2]]));
  await record(sql, "run-room", [ok(ids[2], 6n)]);
  await listener.drain();
  assert.deepEqual(
    listener.received.map((p) => p.run),
    ["run-room"],
    "nothing was sent for the skipped batch",
  );
  const [{ m: after }] = await sql`select public.balance_sync_metrics() as m`;
  assert.match(after, /\nbalance_sync_notifications_skipped_total 1\n/, "only skips count");
});
