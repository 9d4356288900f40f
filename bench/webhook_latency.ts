/**
 * `deno task bench:webhook-latency`: how long a balance change takes to reach a webhook receiver.
 *
 *   deno task bench:webhook-latency [-- --tick-seconds 30 --duration-seconds 150 --out <file>]
 *
 * The local stack's function delivers to a receiver over HTTP that verifies each delivery with
 * standardwebhooks. A ticker sends POST {"webhooks": true} every --tick-seconds, as the pg_cron job
 * balance-sync-webhooks does; meanwhile a writer adds change rows to the log at random moments
 * (1 to 20 rows, every 0 to 3 s). Latency of a change: its arrival at the receiver minus its
 * observed_at (the record call's time). Prints p50, p99 and the maximum, in seconds.
 */
import { parseArgs } from "node:util";
import { startStack } from "../stack/stack.ts";
import { newWebhookSecret, startReceiver } from "../stack/webhook_receiver.ts";

const { values: flags } = parseArgs({
  args: Deno.args.filter((a) => a !== "--"),
  options: {
    "tick-seconds": { type: "string", default: "30" },
    "duration-seconds": { type: "string", default: "150" },
    out: { type: "string" },
  },
});
const TICK_MS = Number(flags["tick-seconds"]) * 1000;
const DURATION_MS = Number(flags["duration-seconds"]) * 1000;
const log = (m: string) => console.error(`[webhook-latency] ${m}`);

const stack = await startStack();
const secret = newWebhookSecret();
const receiver = startReceiver(secret);
try {
  const sql = stack.sql;
  for (const key of ["webhook_allow_http", "webhook_allow_private_addresses"]) {
    await sql`update balance_sync.settings set value = 'true' where key = ${key}`;
  }
  await sql`select vault.create_secret(${secret}, 'latency_bench_key')`;
  await sql`select balance_sync.webhook_create(${receiver.url}, 'latency_bench_key')`;

  const observed = new Map<number, number>();
  const started = Date.now();
  const end = started + DURATION_MS;
  const writer = (async () => {
    while (Date.now() < end - TICK_MS) {
      const rows = await sql`
        insert into balance_sync.balance_changes (wallet_balance_id, new_raw, new_human, delta_raw,
          delta_human, observed_at, run_id)
        select gen_random_uuid(), 1, 1, 1, 1, clock_timestamp(), 'latency-bench'
        from generate_series(1, ${1 + Math.floor(Math.random() * 20)}::int)
        returning id, extract(epoch from observed_at) * 1000 as at`;
      for (const r of rows) observed.set(Number(r.id), Number(r.at));
      await new Promise((r) => setTimeout(r, Math.random() * 3000));
    }
  })();
  let ticks = 0;
  while (Date.now() < end) {
    const response = await stack.fn!.call({ webhooks: true });
    if (response.status !== 200) throw new Error(`tick answered ${response.status}`);
    ticks += 1;
    const next = started + ticks * TICK_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await writer;
  await stack.fn!.call({ webhooks: true });

  const latencies: number[] = [];
  for (const d of receiver.deliveries) {
    if (!d.verified) throw new Error("a delivery did not verify");
    for (const id of d.ids) latencies.push((d.receivedAt - observed.get(id)!) / 1000);
  }
  if (latencies.length !== observed.size) {
    throw new Error(`${observed.size} changes written, ${latencies.length} delivered`);
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  const result = {
    tick_seconds: TICK_MS / 1000,
    duration_seconds: DURATION_MS / 1000,
    ticks,
    changes: latencies.length,
    deliveries: receiver.deliveries.length,
    latency_p50_seconds: Number(q(0.5).toFixed(2)),
    latency_p99_seconds: Number(q(0.99).toFixed(2)),
    latency_max_seconds: Number(latencies[latencies.length - 1].toFixed(2)),
  };
  console.log(JSON.stringify(result));
  if (flags.out) await Deno.writeTextFile(flags.out, JSON.stringify(result, null, 2) + "\n");
  log("done");
} finally {
  await receiver.stop();
  await stack.stop();
}
