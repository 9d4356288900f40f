/**
 * `deno task bench:views`: how fast the operator's views answer on a large table.
 *
 *   deno task bench:views [-- --rows 100000 --chains 5 --repeat 15 --runs 20160]
 *
 * A fresh PostgreSQL (stack/pg.ts) with the real migrations; `--rows` wallet_balances rows
 * over `--chains` chains (a native coin and a token each), in the states of a live table: mostly
 * fresh, some due, never synced, failing by class, leased, broken configuration; `--runs` rows of
 * run history (a week of 30 s ticks by default). Each query runs `--repeat` times after one warm-up;
 * the table shows the median, p95 and max in ms, beside the target (chain_status < 300 ms).
 */
import { parseArgs } from "node:util";
import { startCluster } from "../stack/pg.ts";

const { values: flags } = parseArgs({
  args: Deno.args.filter((a) => a !== "--"),
  options: {
    rows: { type: "string", default: "100000" },
    chains: { type: "string", default: "5" },
    repeat: { type: "string", default: "15" },
    runs: { type: "string", default: "20160" },
  },
});
const rows = Number(flags.rows);
const chains = Number(flags.chains);
const repeat = Number(flags.repeat);
const runs = Number(flags.runs);
const TARGET_MS = 300;

const log = (message: string) => console.error(`[bench:views] ${message}`);

const cluster = await startCluster();
try {
  await cluster.createDatabase("views_bench", { migrate: true });
  const sql = cluster.connect("views_bench", { max: 1 });
  const walletsPerChain = Math.ceil(rows / (chains * 2));
  const seeded = performance.now();
  await sql.unsafe(`
    insert into public.chains (name, family, rpc_url)
    select 'chain ' || g, case when g % 2 = 0 then 'tron' else 'evm' end, 'http://127.0.0.1:9'
    from generate_series(1, ${chains}) as g;
    insert into public.assets (symbol, name) select 'A' || g, 'A' || g
    from generate_series(1, ${chains * 2}) as g;
    insert into public.asset_on_chain (chain_id, asset_id, contract_address, decimals, is_native)
    select c.id, a.id, case when k = 1 then null else '0x' || md5(c.id::text) end, 18, k = 1
    from (select id, row_number() over (order by name) as n from public.chains) as c
    cross join generate_series(1, 2) as k
    join (select id, row_number() over (order by symbol) as n from public.assets) as a
      on a.n = (c.n - 1) * 2 + k;
    insert into public.wallets (label) select 'w' || g from generate_series(1, ${walletsPerChain}) as g;
    -- every wallet has one address per chain, except 1 in 500 (a configuration error)
    insert into public.user_wallet_addresses (wallet_id, chain_id, address)
    select w.id, c.id, '0x' || md5(w.id::text || c.id::text)
    from public.wallets as w cross join public.chains as c
    where random() > 0.002;
    insert into public.wallet_balances (wallet_id, asset_on_chain_id)
    select w.id, aoc.id from public.wallets as w cross join public.asset_on_chain as aoc
    limit ${rows};
    -- states: 75 % fresh, 12 % due, 5 % never synced, 5 % failing, 3 % leased
    update public.wallet_balances set
      last_checked = case when r < 0.75 then now() - random() * interval '25 seconds'
                          when r < 0.87 then now() - interval '30 seconds' - random() * interval '1 hour'
                          when r < 0.92 then null
                          else now() - random() * interval '2 hours' end,
      observed_block = (random() * 1e8)::bigint,
      error_streak = case when r >= 0.92 and r < 0.97 then 1 + (random() * 6)::int else 0 end,
      error_class = case when r >= 0.92 and r < 0.97
                         then (array['transient', 'permanent', 'configuration'])[1 + (random() * 2)::int]
                    end,
      last_error = case when r >= 0.92 and r < 0.97 then 'HTTP 503 from node' end,
      last_error_at = case when r >= 0.92 and r < 0.97 then now() - random() * interval '10 minutes' end,
      processing_status = case when r >= 0.97 then 'processing'::public.processing_status
                               else 'idle' end,
      locked_by = case when r >= 0.97 then 'run-' || (r * 100)::int end,
      locked_until = case when r >= 0.97 then now() + interval '2 minutes' end
    from (select id, random() as r from public.wallet_balances) as s
    where s.id = public.wallet_balances.id;
    insert into balance_sync.runs (run_id, kind, started_at, lease_seconds, finished_at, status,
                                   chain_ids, claimed, synced, chains)
    select 'run-' || g, 'scheduled', now() - g * interval '30 seconds', 120,
           now() - g * interval '30 seconds' + interval '2 seconds',
           case when g % 97 = 0 then 'running' when g % 53 = 0 then 'failed' else 'finished' end,
           (select array_agg(id) from public.chains), 50, 50,
           (select jsonb_object_agg(id, jsonb_build_object('rpc_requests', 2, 'rows', 10))
            from public.chains)
    from generate_series(1, ${runs}) as g;
  `);
  await sql.unsafe("vacuum analyze");
  const [{ n }] = await sql`select count(*)::int as n from public.wallet_balances`;
  log(`seeded ${n} rows, ${runs} runs in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  const [{ id: someId }] = await sql`select id from public.wallet_balances
                                     order by id offset ${Math.floor(n / 2)} limit 1`;

  const queries: { name: string; text: string; target?: number }[] = [
    {
      name: "select * from balance_sync.chain_status",
      text: "select * from balance_sync.chain_status",
      target: TARGET_MS,
    },
    { name: "select balance_sync_metrics()", text: "select public.balance_sync_metrics()" },
    {
      name: "select count(*) from balance_sync.stale_rows",
      text: "select count(*) from balance_sync.stale_rows",
    },
    {
      name: "select * from balance_sync.stale_rows limit 100",
      text: "select * from balance_sync.stale_rows limit 100",
    },
    {
      name: "select * from balance_sync.why(id)",
      text: `select * from balance_sync.why('${someId}')`,
    },
    {
      name: "run_history, last hour",
      text:
        "select status, count(*) from balance_sync.run_history where started_at > now() - interval '1 hour' group by 1",
    },
  ];

  const results = [];
  for (const q of queries) {
    await sql.unsafe(q.text);
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t = performance.now();
      await sql.unsafe(q.text);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
    results.push({
      query: q.name,
      median_ms: Number(at(0.5).toFixed(1)),
      p95_ms: Number(at(0.95).toFixed(1)),
      max_ms: Number(times[times.length - 1].toFixed(1)),
      target: q.target ? `< ${q.target} ms: ${at(0.5) < q.target ? "met" : "MISSED"}` : "",
    });
  }
  const [{ plan }] = await sql.unsafe(
    "explain (analyze, format json) select * from balance_sync.chain_status",
  ).then((r) => r.map((x) => ({ plan: x["QUERY PLAN"] })));
  // Other work on the machine slows every figure: the load average says how much there was.
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  console.log(
    `rows ${n} · chains ${chains} · runs ${runs} · repeat ${repeat} · PostgreSQL ${cluster.major}` +
      ` · ${navigator.hardwareConcurrency} CPUs, load average ${load}`,
  );
  console.table(results);
  console.log(
    `chain_status execution time (EXPLAIN ANALYZE): ${plan[0]["Execution Time"].toFixed(1)} ms`,
  );
  await sql.end();
} finally {
  await cluster.stop();
}
