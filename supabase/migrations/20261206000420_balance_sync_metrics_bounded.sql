-- balance-sync: /metrics with counters that only grow, and a scrape whose cost does not grow with
-- the run history.
--
--   balance_sync_runs_running      gauge: runs going on now (it was runs_total{status="running"},
--                                  a "counter" that went down whenever a run finished)
--   balance_sync_runs_total        counter, status finished | failed | abandoned
--   balance_sync_notifications_skipped_total, balance_sync_cleanup_failures_total  new counters
--
-- Bounded scrape. chain_status looked up each chain's last run with
-- `where chain = any(chain_ids) order by started_at desc limit 1`: for a chain that never ran (or
-- stopped running) that walked the whole 7-day history, once per such chain and scrape; and the
-- run counters counted the whole history. Now:
--   balance_sync.chain_last_run   one row per chain: its latest run, kept by a trigger on runs
--   run_totals 'runs'             finished and failed runs are counted when they end (same
--                                 trigger; one that ends after its lease time also as abandoned);
--                                 the cleanup adds only the never-finished runs it removes
--   runs_finished_at_idx          the latest finished run is one index probe
-- A scrape reads the runs that are running, plus one run per chain.

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.chain_last_run (
  chain_id uuid primary key,
  run_id text not null,
  started_at timestamptz not null
);

comment on table balance_sync.chain_last_run is
  'The latest run (by started_at) that touched each chain, kept by the runs_bookkeeping_* triggers on balance_sync.runs: what chain_status shows as last_run_*, read without walking the history.';

select balance_sync.service_role_reads_only(array['balance_sync.chain_last_run']::regclass[]);

create index if not exists runs_finished_at_idx on balance_sync.runs (finished_at);

-- Per statement (transition tables: a bulk insert updates each chain and counter once): the
-- chains' latest run, and each run's end counted once. Chains are written in uuid order, so two
-- runs over the same chains never deadlock here.
create or replace function balance_sync.runs_bookkeeping_trigger()
  returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  v_changed jsonb;
begin
  -- old_runs exists in the UPDATE trigger only (a branch is planned when it first runs)
  if tg_op = 'INSERT' then
    select jsonb_agg(jsonb_build_object(
             'run_id', n.run_id, 'status', n.status, 'started_at', n.started_at,
             'finished_at', n.finished_at, 'lease_seconds', n.lease_seconds,
             'chain_ids', n.chain_ids, 'ended', n.status in ('finished', 'failed')))
    into v_changed
    from new_runs as n;
  else
    select jsonb_agg(jsonb_build_object(
             'run_id', n.run_id, 'status', n.status, 'started_at', n.started_at,
             'finished_at', n.finished_at, 'lease_seconds', n.lease_seconds,
             'chain_ids', case when n.chain_ids is distinct from o.chain_ids
                                 or n.started_at is distinct from o.started_at
                               then n.chain_ids end,
             'ended', n.status in ('finished', 'failed') and o.status not in ('finished', 'failed')))
    into v_changed
    from new_runs as n
    join old_runs as o on o.run_id = n.run_id;
  end if;
  if v_changed is null then
    return null;
  end if;

  with changed as (
    select *
    from jsonb_to_recordset(v_changed) as c(run_id text, status text, started_at timestamptz,
                                            finished_at timestamptz, lease_seconds integer,
                                            chain_ids uuid[], ended boolean)
  ),
  last_runs as (
    insert into balance_sync.chain_last_run as l (chain_id, run_id, started_at)
    select distinct on (u.chain_id) u.chain_id, c.run_id, c.started_at
    from changed as c
    cross join lateral unnest(c.chain_ids) as u(chain_id)
    where u.chain_id is not null
      -- Never wait: a run whose chain row another open transaction is writing (a claim of the
      -- same chain at the same moment) leaves it to that one, so that concurrent claims never
      -- queue on this bookkeeping row. Every writer of a chain's row takes this lock first.
      and pg_try_advisory_xact_lock(hashtext('balance_sync.chain_last_run'),
                                    hashtext(u.chain_id::text))
    order by u.chain_id, c.started_at desc, c.run_id desc
    on conflict (chain_id) do update
    set run_id = excluded.run_id, started_at = excluded.started_at
    where (excluded.started_at, excluded.run_id) > (l.started_at, l.run_id)
  )
  -- A run that ends after its lease time may have been shown abandoned meanwhile: it stays
  -- counted as abandoned too, so that the abandoned counter never goes down. (lease_seconds 0:
  -- a run that never claimed, so never held a lease.)
  insert into balance_sync.run_totals as t (metric, label, value)
  select 'runs', v.status, count(*)
  from changed as c
  cross join lateral (values (c.status), ('abandoned')) as v(status)
  where c.ended
    and (v.status = c.status
         or (c.lease_seconds > 0
             and c.finished_at > c.started_at + make_interval(secs => c.lease_seconds)))
  group by v.status
  order by v.status
  on conflict (metric, label) do update set value = t.value + excluded.value;
  return null;
end
$$;

revoke all on function balance_sync.runs_bookkeeping_trigger() from public;

-- Created once, with the counts it takes over, in one transaction: creating the triggers locks
-- balance_sync.runs against writes until the commit, so no run is counted twice or missed.
do $$
begin
  if exists (select 1 from pg_trigger
             where tgrelid = 'balance_sync.runs'::regclass and tgname = 'runs_bookkeeping_insert') then
    return;
  end if;
  create trigger runs_bookkeeping_insert
    after insert on balance_sync.runs
    referencing new table as new_runs
    for each statement
    execute function balance_sync.runs_bookkeeping_trigger();
  create trigger runs_bookkeeping_update
    after update on balance_sync.runs
    referencing old table as old_runs new table as new_runs
    for each statement
    execute function balance_sync.runs_bookkeeping_trigger();
  -- until now run_totals 'runs' held the runs the cleanup removed; the ended runs still in the
  -- history join them, and from here on the trigger counts each run as it ends
  insert into balance_sync.run_totals as t (metric, label, value)
  select 'runs', v.status, count(*)
  from balance_sync.runs as r
  cross join lateral (values (r.status), ('abandoned')) as v(status)
  where r.status in ('finished', 'failed')
    and (v.status = r.status
         or (r.lease_seconds > 0
             and r.finished_at > r.started_at + make_interval(secs => r.lease_seconds)))
  group by v.status
  on conflict (metric, label) do update set value = t.value + excluded.value;
  insert into balance_sync.chain_last_run as l (chain_id, run_id, started_at)
  select distinct on (u.chain_id) u.chain_id, r.run_id, r.started_at
  from balance_sync.runs as r
  cross join lateral unnest(r.chain_ids) as u(chain_id)
  where u.chain_id is not null
  order by u.chain_id, r.started_at desc, r.run_id desc
  on conflict (chain_id) do update
  set run_id = excluded.run_id, started_at = excluded.started_at
  where (excluded.started_at, excluded.run_id) > (l.started_at, l.run_id);
end
$$;

comment on table balance_sync.run_totals is
  'Counters for balance_sync_metrics() that must only grow: metric runs (label finished or failed: every run that ended, counted by the runs_bookkeeping_* triggers; label abandoned: never-finished runs the cleanup removed, and runs that finished after their lease time), rpc_requests (label = chain id, added by balance_sync_run_finish), notifications_skipped (label empty, by balance_sync.notify_balance_changes), cleanup_failures (label = step, by balance_sync.cleanup_cron_history).';

-- Removes runs older than the run_history_retention setting (default 7 days). Finished and failed
-- runs are already counted (triggers runs_bookkeeping_*); a removed run that never finished is added
-- to the abandoned count, which the metrics otherwise derive from the history.
create or replace function balance_sync.prune_run_history()
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_keep interval := balance_sync.setting_interval('run_history_retention', '7 days');
  v_count integer;
begin
  with removed as (
    delete from balance_sync.runs as r
    where r.started_at < now() - v_keep
      and r.started_at + make_interval(secs => r.lease_seconds) < now()
    returning r.run_id, r.status
  ),
  abandoned as (
    insert into balance_sync.run_totals as t (metric, label, value)
    select 'runs', 'abandoned', count(*)
    from removed as rm
    where rm.status = 'running'
    having count(*) > 0
    on conflict (metric, label) do update set value = t.value + excluded.value
  ),
  forgotten as (
    delete from balance_sync.chain_last_run as l
    using removed as rm
    where l.run_id = rm.run_id
  )
  select count(*) into v_count from removed;
  return v_count;
end
$$;

comment on function balance_sync.prune_run_history() is
$$Deletes balance_sync.runs rows older than the run_history_retention setting (and the
chain_last_run rows that point at them); a removed run that never finished is added to
balance_sync.run_totals (runs, abandoned). Returns the number of runs deleted.$$;

-- chain_status_rows as in 20261201001300_balance_sync_operability.sql, except the last run of a
-- chain: one lookup in chain_last_run and one in run_history by primary key.
create or replace function balance_sync.chain_status_rows()
  returns table (
    chain_id uuid, chain_name text, family text, is_active boolean,
    active_rows bigint, fresh_rows bigint, due_rows bigint, never_synced_rows bigint,
    leased_rows bigint, backoff_rows bigint, configuration_rows bigint,
    failing_rows bigint, failing_transient bigint, failing_permanent bigint,
    failing_configuration bigint, failing_unclassified bigint,
    staleness_p50_seconds double precision, staleness_p99_seconds double precision,
    staleness_max_seconds double precision, last_success_at timestamptz,
    last_run_id text, last_run_status text, last_run_started_at timestamptz,
    recent_error text, recent_error_at timestamptz)
  language sql
  stable
  security definer
  set search_path = ''
  set work_mem = '64MB'
  -- JIT compiles for longer than this query runs
  set jit = off
as $$
select
  c.id as chain_id,
  c.name as chain_name,
  c.family,
  c.is_active,
  coalesce(s.active_rows, 0) as active_rows,
  coalesce(s.fresh_rows, 0) as fresh_rows,
  coalesce(s.due_rows, 0) as due_rows,
  coalesce(s.never_synced_rows, 0) as never_synced_rows,
  coalesce(s.leased_rows, 0) as leased_rows,
  coalesce(s.backoff_rows, 0) as backoff_rows,
  coalesce(s.configuration_rows, 0) as configuration_rows,
  coalesce(s.failing_rows, 0) as failing_rows,
  coalesce(s.failing_transient, 0) as failing_transient,
  coalesce(s.failing_permanent, 0) as failing_permanent,
  coalesce(s.failing_configuration, 0) as failing_configuration,
  coalesce(s.failing_unclassified, 0) as failing_unclassified,
  s.staleness_p50_seconds,
  s.staleness_p99_seconds,
  s.staleness_max_seconds,
  s.last_success_at,
  lr.run_id as last_run_id,
  lr.status as last_run_status,
  lr.started_at as last_run_started_at,
  re.last_error as recent_error,
  re.last_error_at as recent_error_at
from public.chains as c
left join (
  select
    r.chain_id,
    count(*) as active_rows,
    count(*) filter (where r.state = 'fresh') as fresh_rows,
    count(*) filter (where r.state = 'due') as due_rows,
    count(*) filter (where r.last_checked is null) as never_synced_rows,
    count(*) filter (where r.state = 'leased') as leased_rows,
    count(*) filter (where r.state = 'backoff') as backoff_rows,
    count(*) filter (where r.state = 'configuration') as configuration_rows,
    count(*) filter (where r.error_streak > 0) as failing_rows,
    count(*) filter (where r.error_class = 'transient') as failing_transient,
    count(*) filter (where r.error_class = 'permanent') as failing_permanent,
    count(*) filter (where r.error_class = 'configuration') as failing_configuration,
    count(*) filter (where r.error_streak > 0 and r.error_class is null) as failing_unclassified,
    percentile_cont(0.5) within group (order by r.age) as staleness_p50_seconds,
    percentile_cont(0.99) within group (order by r.age) as staleness_p99_seconds,
    max(r.age) as staleness_max_seconds,
    max(r.last_checked) as last_success_at
  -- row_status's rules over every active row at once: the addresses are checked with two hashed
  -- subplans instead of one lookup per row, and each row's state is computed once (offset 0)
  from (
    select aoc.chain_id, wb.last_checked, wb.error_streak,
           case when wb.error_streak > 0 then wb.error_class end as error_class,
           date_part('epoch', now() - wb.last_checked) as age,
           balance_sync.row_state(true, wb.processing_status = 'processing', wb.locked_until,
             balance_sync.config_broken(ch.family::text, ch.rpc_url,
               -- two hashed lookups: every pair with an active address, and the few bad pairs
               (wb.wallet_id, aoc.chain_id) in (
                 select uwa.wallet_id, uwa.chain_id from public.user_wallet_addresses as uwa
                 where uwa.is_active)
               and not (wb.wallet_id, aoc.chain_id) in (
                 select uwa.wallet_id, uwa.chain_id from public.user_wallet_addresses as uwa
                 where uwa.is_active and uwa.wallet_id is not null and uwa.chain_id is not null
                 group by uwa.wallet_id, uwa.chain_id
                 having count(*) > 1 or bool_or(nullif(btrim(uwa.address), '') is null)),
               aoc.is_native, aoc.contract_address, aoc.decimals),
             balance_sync.retry_at(wb.error_streak, wb.last_error_at), wb.last_checked,
             (select balance_sync.min_interval()), wb.next_sync_at) as state
    from public.wallet_balances as wb
    join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id and aoc.is_active
    join public.chains as ch on ch.id = aoc.chain_id and ch.is_active
    offset 0
  ) as r
  group by r.chain_id
) as s on s.chain_id = c.id
left join lateral (
  select wb.last_error, wb.last_error_at
  from public.wallet_balances as wb
  join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
  where aoc.chain_id = c.id and aoc.is_active and c.is_active and wb.error_streak > 0
  order by wb.last_error_at desc nulls last
  limit 1
) as re on true
left join lateral (
  select h.run_id, h.status, h.started_at
  from balance_sync.chain_last_run as l
  join balance_sync.run_history as h on h.run_id = l.run_id
  where l.chain_id = c.id
) as lr on true
$$;

-- balance_sync_metrics() with the gauge, the new counters and this bounded read: its one new
-- definition is in 20261206001100_balance_sync_metrics_snapshot.sql.
do $$
begin
  -- the views call this one, and a view's functions run with the reader's privileges
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function balance_sync.chain_status_rows() to service_role;
  end if;
end
$$;
