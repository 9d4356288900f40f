-- balance-sync: the one new definition of balance_sync_metrics() since 20261201001300:
--   * running runs as the gauge balance_sync_runs_running, counters that only grow, the
--     skipped-notification and cleanup-failure counters, a read bounded by chain_last_run
--     (the tables and triggers are in 20261206000420);
--   * the webhook metrics (balance_sync.webhook_metrics(), 20261206000800);
--   * /metrics within hosted Supabase's 8 s statement timeout at any size (below).
--
-- balance_sync_metrics() counted every active row's state at each scrape: 4.3 s at 1,000,000 rows
-- (deno task bench -- --claim-scale), more than half of the 8 s after which hosted Supabase cancels
-- a statement of service_role; a loaded database would cross it and /metrics would answer 503.
-- On a large table (more than status_snapshot_min_rows rows, 100,000, by the planner's estimate)
-- the job balance-sync-status takes the per-chain counts every 30 s into
-- balance_sync.chain_status_snapshot, outside any API timeout, and a scrape reads that snapshot
-- while it is fresh (< 120 s). On a small table nothing changes: the scrape counts itself.
-- balance_sync_chain_status_age_seconds says which (0: counted by the scrape).

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.chain_status_snapshot as
select s.*, now() as taken_at from balance_sync.chain_status_rows() as s
with no data;

comment on table balance_sync.chain_status_snapshot is
$$balance_sync.chain_status as the job balance-sync-status last took it (large tables only), read
by balance_sync_metrics() while fresh. taken_at: when.$$;

select balance_sync.service_role_reads_only(array['balance_sync.chain_status_snapshot']::regclass[]);

insert into balance_sync.settings (key, value, description) values
  ('status_snapshot_min_rows', '100000',
   'Above this many wallet_balances rows (planner estimate) /metrics reads the per-chain counts from '
   'the snapshot the balance-sync-status job takes every 30 s, instead of counting at each scrape.')
on conflict (key) do nothing;

insert into balance_sync.setting_rules (key, kind, minimum, minimum_inclusive, maximum) values
  ('status_snapshot_min_rows', 'integer', 0, true, null)
on conflict (key) do nothing;

create or replace function balance_sync.refresh_chain_status_snapshot()
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_rows integer;
begin
  -- one refresh at a time; a tick that finds one running skips
  if not pg_try_advisory_xact_lock(hashtext('balance_sync.chain_status_snapshot')) then
    return 0;
  end if;
  if (select greatest(c.reltuples, 0) from pg_class as c
      where c.oid = 'public.wallet_balances'::regclass)
     < balance_sync.setting_number('status_snapshot_min_rows', 100000) then
    delete from balance_sync.chain_status_snapshot;
    return 0;
  end if;
  delete from balance_sync.chain_status_snapshot;
  insert into balance_sync.chain_status_snapshot
  select s.*, now() from balance_sync.chain_status_rows() as s;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$$;

comment on function balance_sync.refresh_chain_status_snapshot() is
$$The job balance-sync-status: on a table larger than status_snapshot_min_rows, takes
balance_sync.chain_status into balance_sync.chain_status_snapshot (returns the chains taken); on a
smaller one, empties it, so that /metrics counts at each scrape.$$;

revoke all on function balance_sync.refresh_chain_status_snapshot() from public;

do $$
declare
  v_version integer[];
begin
  if to_regnamespace('cron') is null then
    raise notice 'balance-sync: no pg_cron in this database; schedule select '
      'balance_sync.refresh_chain_status_snapshot() yourself on a large table';
    return;
  end if;
  select string_to_array(split_part(e.extversion, '-', 1), '.')::integer[] into v_version
  from pg_extension as e where e.extname = 'pg_cron';
  perform cron.schedule('balance-sync-status',
    case when v_version >= array[1, 5] then '30 seconds' else '* * * * *' end,
    'select balance_sync.refresh_chain_status_snapshot()');
end
$$;

create or replace function public.balance_sync_metrics()
  returns text
  language sql
  stable
  security definer
  set search_path = ''
  set jit = off
as $$
    -- the snapshot when one is fresh (large tables: balance_sync.refresh_chain_status_snapshot),
    -- else chain_status itself; the branch not taken is not run (a one-time filter)
    with snap as (
      select max(n.taken_at) as taken_at
      from balance_sync.chain_status_snapshot as n
    ),
    source as (
      select n.* from balance_sync.chain_status_snapshot as n
      where (select snap.taken_at from snap) > now() - interval '120 seconds'
      union all
      select v.*, null::timestamptz from balance_sync.chain_status as v
      where not coalesce((select snap.taken_at from snap) > now() - interval '120 seconds', false)
    ),
    cs as (
      select s.*,
             format('chain="%s",chain_id="%s"',
               replace(replace(replace(coalesce(s.chain_name, ''), E'\\', E'\\\\'), '"', E'\\"'),
                       E'\n', E'\\n'),
               s.chain_id) as labels
      from source as s
    ),
    -- runs not finished: running, or abandoned (run_history's rule)
    open_runs as (
      select count(*) filter (where h.status = 'running') as running,
             count(*) filter (where h.status = 'abandoned') as abandoned
      from balance_sync.run_history as h
      where h.run_id in (select r.run_id from balance_sync.runs as r where r.status = 'running')
    ),
    metric(ord, name, kind, help) as (values
      (1, 'balance_sync_rows', 'gauge',
       'Active wallet_balances rows by state (fresh, due, leased, backoff, configuration).'),
      (2, 'balance_sync_never_synced_rows', 'gauge', 'Active rows that were never synced.'),
      (3, 'balance_sync_failing_rows', 'gauge',
       'Active rows whose last sync failed, by error class.'),
      (4, 'balance_sync_staleness_seconds', 'gauge',
       'Age of last_checked over active synced rows: quantile 0.5, 0.99 and 1 (the maximum).'),
      (5, 'balance_sync_last_success_timestamp_seconds', 'gauge',
       'Unix time of the latest successful sync of a row on the chain.'),
      (6, 'balance_sync_rpc_requests_total', 'counter',
       'RPC requests the runs made to the chain.'),
      (7, 'balance_sync_runs_running', 'gauge',
       'Runs going on now: started, not finished, lease not yet expired or still held.'),
      (8, 'balance_sync_runs_total', 'counter',
       'Runs by how they ended: finished, failed, abandoned (lease time passed before it finished; one that finishes later counts as finished too).'),
      (9, 'balance_sync_last_finished_run_timestamp_seconds', 'gauge',
       'Unix time at which the latest run finished.'),
      (10, 'balance_sync_notifications_skipped_total', 'counter',
       'Change-log notifications not sent because the NOTIFY queue was fuller than notify_queue_threshold.'),
      (11, 'balance_sync_cleanup_failures_total', 'counter',
       'Failed steps of the daily cleanup job, by step (run_history, balance_changes).'),
      (12, 'balance_sync_chain_status_age_seconds', 'gauge',
       'Age of the per-chain row counts above: 0 when computed by this scrape, else the age of the snapshot the balance-sync-status job takes on large tables.')
    ),
    sample(ord, sub, line) as (
      select 1, cs.chain_id::text || st.state,
             format('balance_sync_rows{%s,state="%s"} %s', cs.labels, st.state, st.n)
      from cs cross join lateral (values
        (1, 'fresh', cs.fresh_rows), (2, 'due', cs.due_rows), (3, 'leased', cs.leased_rows),
        (4, 'backoff', cs.backoff_rows), (5, 'configuration', cs.configuration_rows)
      ) as st(k, state, n)
      union all
      select 2, cs.chain_id::text, format('balance_sync_never_synced_rows{%s} %s', cs.labels,
                                          cs.never_synced_rows)
      from cs
      union all
      select 3, cs.chain_id::text || f.class,
             format('balance_sync_failing_rows{%s,class="%s"} %s', cs.labels, f.class, f.n)
      from cs cross join lateral (values
        ('transient', cs.failing_transient), ('permanent', cs.failing_permanent),
        ('configuration', cs.failing_configuration), ('unclassified', cs.failing_unclassified)
      ) as f(class, n)
      union all
      select 4, cs.chain_id::text || q.quantile,
             format('balance_sync_staleness_seconds{%s,quantile="%s"} %s', cs.labels, q.quantile,
                    q.v)
      from cs cross join lateral (values
        ('0.5', cs.staleness_p50_seconds), ('0.99', cs.staleness_p99_seconds),
        ('1', cs.staleness_max_seconds)
      ) as q(quantile, v)
      where q.v is not null
      union all
      select 5, cs.chain_id::text,
             format('balance_sync_last_success_timestamp_seconds{%s} %s', cs.labels,
                    extract(epoch from cs.last_success_at))
      from cs where cs.last_success_at is not null
      union all
      select 6, cs.chain_id::text,
             format('balance_sync_rpc_requests_total{%s} %s', cs.labels,
                    coalesce(t.value, 0))
      from cs
      left join balance_sync.run_totals as t
        on t.metric = 'rpc_requests' and t.label = cs.chain_id::text
      union all
      select 7, '', format('balance_sync_runs_running %s', o.running)
      from open_runs as o
      union all
      select 8, st.status,
             format('balance_sync_runs_total{status="%s"} %s', st.status,
                    coalesce(t.value, 0)
                    + case when st.status = 'abandoned' then (select o.abandoned from open_runs as o)
                           else 0 end)
      from (values ('finished'), ('failed'), ('abandoned')) as st(status)
      left join balance_sync.run_totals as t on t.metric = 'runs' and t.label = st.status
      union all
      select 9, '', format('balance_sync_last_finished_run_timestamp_seconds %s',
                           extract(epoch from max(r.finished_at)))
      from balance_sync.runs as r
      having max(r.finished_at) is not null
      union all
      select 10, '', format('balance_sync_notifications_skipped_total %s', coalesce(
        (select t.value from balance_sync.run_totals as t
         where t.metric = 'notifications_skipped' and t.label = ''), 0))
      union all
      select 11, st.step, format('balance_sync_cleanup_failures_total{step="%s"} %s', st.step,
                                 coalesce(t.value, 0))
      from (values ('run_history'), ('balance_changes')) as st(step)
      left join balance_sync.run_totals as t on t.metric = 'cleanup_failures' and t.label = st.step
      union all
      select 12, '', format('balance_sync_chain_status_age_seconds %s', coalesce(
        (select round(extract(epoch from now() - min(cs.taken_at))::numeric, 3) from cs), 0))
    )
    select string_agg(blocks.block, '' order by blocks.ord) from (
      select m.ord,
             format(E'# HELP %s %s\n# TYPE %s %s\n', m.name, m.help, m.name, m.kind)
             || coalesce((select string_agg(s.line || E'\n', '' order by s.sub)
                          from sample as s where s.ord = m.ord), '') as block
      from metric as m
      -- webhooks (20261206000800): deliveries by result, lag per endpoint
      union all
      select 100, balance_sync.webhook_metrics()
    ) as blocks
$$;

comment on function public.balance_sync_metrics() is
$$The Prometheus text exposition format (0.0.4) of balance_sync.chain_status (from its snapshot when
one is fresh, see balance_sync.refresh_chain_status_snapshot), the open runs and
balance_sync.run_totals: what GET /metrics of the function serves, in one round trip. Counters
(*_total) only grow; running runs are the gauge balance_sync_runs_running. Chain names are label
values, escaped (backslash, double quote, newline). Its cost does not grow with the run history.$$;

select balance_sync.grant_to_service_role_only(array['public.balance_sync_metrics()']);
