-- balance-sync: /metrics includes the webhook metrics (balance_sync.webhook_metrics(), from
-- 20261206000800). balance_sync_metrics is the definition of 20261206000420 with three lines added
-- (the union with the webhook block); nothing else changes.

set lock_timeout = '5s';
set statement_timeout = '60s';

create or replace function public.balance_sync_metrics()
  returns text
  language sql
  stable
  security definer
  set search_path = ''
  set jit = off
as $$
    with cs as (
      select s.*,
             format('chain="%s",chain_id="%s"',
               replace(replace(replace(coalesce(s.chain_name, ''), E'\\', E'\\\\'), '"', E'\\"'),
                       E'\n', E'\\n'),
               s.chain_id) as labels
      from balance_sync.chain_status as s
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
       'Failed steps of the daily cleanup job, by step (run_history, balance_changes).')
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
$$The Prometheus text exposition format (0.0.4) of balance_sync.chain_status, the open runs and
balance_sync.run_totals: what GET /metrics of the function serves, in one round trip. Counters
(*_total) only grow; running runs are the gauge balance_sync_runs_running. Chain names are label
values, escaped (backslash, double quote, newline). Its cost does not grow with the run history.$$;

select balance_sync.grant_to_service_role_only(array['public.balance_sync_metrics()']);
