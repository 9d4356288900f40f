-- balance-sync: what an operator asks the database (views and functions over the v2 contract).
--
--   balance_sync.row_status      every wallet_balances row: its state and the facts behind it
--   balance_sync.why(id)         one row: why this balance is (not) fresh
--   balance_sync.stale_rows      every active row that is not fresh, oldest first
--   balance_sync.run_history     balance_sync.runs with the derived status `abandoned`
--   balance_sync.chain_status    one row per chain: rows by state, failures by class, staleness
--   balance_sync_run_finish()    the function's one extra call per run: the run's summary
--   balance_sync_metrics()       the Prometheus text of GET /metrics, in one round trip
--
-- No view shows an RPC URL, an API key or anything from Vault. Readable by service_role (and the
-- owner) only.

-- The state of a row, from claim's rules (balance_sync_claim), in this order:
--   inactive       the asset_on_chain row or the chain is inactive (or missing): never claimed
--   leased         a live lease: a run holds it now
--   configuration  claim hands it out with a config_error, and record stores that as its error
--   backoff        failed error_streak times in a row; not due before retry_at
--   due            never checked, or checked min_interval_seconds ago or longer: the next run takes it
--   fresh          checked less than min_interval_seconds ago
-- These helpers are plain SQL expressions (no search_path, not security definer) so that the
-- planner inlines them: row_status (one row, by id) and chain_status (every row) share them.

set lock_timeout = '5s';
set statement_timeout = '60s';

create or replace function balance_sync.min_interval()
  returns interval
  language sql
  stable
as $$
  select make_interval(secs => greatest(coalesce(
    (balance_sync.setting('min_interval_seconds', '30') #>> '{}')::numeric, 30), 0)::double precision)
$$;

-- claim's backoff: 30 s * 2^(n-1), at most 1 h
create or replace function balance_sync.retry_at(p_error_streak integer, p_last_error_at timestamptz)
  returns timestamptz
  language sql
  stable
as $$
  select case when p_error_streak > 0 and p_last_error_at is not null
              then p_last_error_at + make_interval(secs =>
                     least(30 * pg_catalog.power(2, least(p_error_streak - 1, 7)), 3600))
         end
$$;

create or replace function balance_sync.row_state(
  p_active boolean, p_processing boolean, p_locked_until timestamptz, p_config_broken boolean,
  p_retry_at timestamptz, p_last_checked timestamptz, p_min_interval interval,
  p_next_sync_at timestamptz)
  returns text
  language sql
  stable
as $$
  select case
    when not coalesce(p_active, false) then 'inactive'
    when p_processing and p_locked_until > now() then 'leased'
    when p_config_broken then 'configuration'
    when p_retry_at > now() then 'backoff'
    -- claim's rule: checked long enough ago, and next_sync_at (what record set) reached
    when (p_last_checked is null or p_last_checked <= now() - p_min_interval)
         and coalesce(p_next_sync_at, '-infinity'::timestamptz) <= now() then 'due'
    else 'fresh'
  end
$$;

create or replace view balance_sync.row_status as
select
  wb.id as wallet_balance_id,
  balance_sync.row_state(f.active, wb.processing_status = 'processing', wb.locked_until,
                         f.broken, f.retry_at, wb.last_checked, f.min_interval, wb.next_sync_at)
    as state,
  case
    when aoc.id is null then format('not synced: asset_on_chain %s does not exist', wb.asset_on_chain_id)
    when not aoc.is_active then format('not synced: asset_on_chain %s is inactive', aoc.id)
    when c.id is null then format('not synced: chain %s does not exist', aoc.chain_id)
    when not c.is_active then format('not synced: chain %s is inactive', c.name)
    when wb.processing_status = 'processing' and wb.locked_until > now()
      then format('leased by run %s until %s', wb.locked_by, wb.locked_until)
    when f.broken then 'configuration error: ' || f.problem
    when f.retry_at > now()
      then format('in backoff until %s after %s consecutive errors (%s): %s', f.retry_at,
                  wb.error_streak, coalesce(wb.error_class, 'unclassified'), wb.last_error)
    when wb.last_checked is null then 'never synced: due, waits for the next run'
    when wb.last_checked <= now() - f.min_interval
         and coalesce(wb.next_sync_at, '-infinity'::timestamptz) <= now()
      then format('due: synced %s s ago, waits for the next run',
                  floor(extract(epoch from now() - wb.last_checked)))
    else format('fresh: synced %s s ago at block %s',
                floor(extract(epoch from now() - wb.last_checked)),
                coalesce(wb.observed_block::text, 'unknown'))
  end as reason,
  f.active,
  aoc.chain_id,
  c.name as chain_name,
  wb.wallet_id,
  wb.asset_on_chain_id,
  aoc.asset_id,
  wb.last_checked,
  extract(epoch from now() - wb.last_checked) as seconds_since_check,
  wb.observed_block::text as observed_block,
  wb.sync_count,
  case when wb.processing_status = 'processing' and wb.locked_until > now() then wb.locked_by end
    as leased_by,
  case when wb.processing_status = 'processing' and wb.locked_until > now() then wb.locked_until end
    as leased_until,
  wb.error_streak,
  wb.error_count,
  case when wb.error_streak > 0 then wb.error_class end as error_class,
  wb.last_error,
  wb.last_error_at,
  f.retry_at,
  f.problem as configuration_error
from public.wallet_balances as wb
left join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
left join public.chains as c on c.id = aoc.chain_id
cross join lateral (
  select count(*) as n, min(uwa.address) as address
  from public.user_wallet_addresses as uwa
  where uwa.wallet_id = wb.wallet_id and uwa.chain_id = aoc.chain_id and uwa.is_active
) as addr
cross join lateral (
  select aoc.is_active is true and c.is_active is true as active,
         balance_sync.config_broken(c.family::text, c.rpc_url,
                                    addr.n = 1 and nullif(btrim(addr.address), '') is not null,
                                    aoc.is_native, aoc.contract_address, aoc.decimals) as broken,
         -- the words only where they are read
         balance_sync.config_problem(c.name, c.family::text, c.rpc_url, addr.n, addr.address,
                                     aoc.is_native, aoc.contract_address, aoc.decimals) as problem,
         balance_sync.retry_at(wb.error_streak, wb.last_error_at) as retry_at,
         -- a scalar subquery: computed once per query, not per row
         (select balance_sync.min_interval()) as min_interval
) as f;

comment on view balance_sync.row_status is
  'Every wallet_balances row with its state (inactive, leased, configuration, backoff, due, fresh), a readable reason and the facts behind it. balance_sync.why(id) asks it for one row.';

create or replace view balance_sync.stale_rows as
select rs.*
from balance_sync.row_status as rs
where rs.active and rs.state <> 'fresh'
order by rs.last_checked asc nulls first, rs.wallet_balance_id;

comment on view balance_sync.stale_rows is
  'Every active row that is not fresh (due, leased, backoff, configuration), never-synced and oldest first, with the reason.';

create or replace function balance_sync.why(p_wallet_balance_id uuid)
  returns setof balance_sync.row_status
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query select rs.* from balance_sync.row_status as rs
               where rs.wallet_balance_id = p_wallet_balance_id;
  if not found then
    return query select (jsonb_populate_record(null::balance_sync.row_status, jsonb_build_object(
      'wallet_balance_id', p_wallet_balance_id,
      'state', 'missing',
      'reason', format('no wallet_balances row has id %s', p_wallet_balance_id),
      'active', false))).*;
  end if;
end
$$;

comment on function balance_sync.why(uuid) is
$$Why a balance is or is not fresh, in one row: state fresh | due | leased | backoff | inactive |
configuration | missing, a readable reason, and the facts (last_checked, observed_block,
leased_by/leased_until, error_streak, error_class, last_error, retry_at, configuration_error).$$;

-- A run is abandoned when it never finished, its lease time has passed since it started, and it
-- holds no live lease any more: the process died (or hung) and its rows went back to the pool.
create or replace view balance_sync.run_history as
select
  r.run_id,
  r.kind,
  r.scope,
  r.started_at,
  r.finished_at,
  case
    when r.status = 'running'
         and r.started_at + make_interval(secs => r.lease_seconds) < now()
         and not exists (
           select 1 from public.wallet_balances as wb
           where wb.locked_by = r.run_id and wb.locked_until > now())
      then 'abandoned'
    else r.status
  end as status,
  r.claimed,
  r.synced,
  r.failed,
  r.released,
  r.stale_rejected,
  r.lost,
  r.invalid,
  r.busy,
  r.batches,
  r.duration_ms,
  r.cpu_ms,
  r.stopped,
  r.error,
  r.chain_ids,
  r.chains,
  r.lease_seconds,
  r.summary
from balance_sync.runs as r;

comment on view balance_sync.run_history is
  'balance_sync.runs with status running, finished, failed or abandoned (never finished, lease long expired, no live lease).';

-- chain_status is a view over this function so that its one big sort and hash get the memory they
-- need (set work_mem): at 100,000 rows the default 4 MB sends both to disk and doubles the time.
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
  from balance_sync.run_history as h
  where c.id = any(h.chain_ids)
  order by h.started_at desc
  limit 1
) as lr on true
$$;

create or replace view balance_sync.chain_status as
select * from balance_sync.chain_status_rows();

comment on view balance_sync.chain_status is
$$One row per chain: active rows by state (fresh, due, leased, backoff, configuration; they add
up to active_rows), never-synced rows, failing rows (error_streak > 0) by error class, staleness
(age of last_checked over active rows that were ever synced) p50/p99/max in seconds, the last
successful sync, the last run that touched the chain and its status, and one recent error.$$;

-- An integer figure of a run summary, or null when absent or not a number.
create or replace function balance_sync.summary_int(p_summary jsonb, p_key text)
  returns integer
  language sql
  immutable
as $$
  select case when jsonb_typeof(p_summary -> p_key) = 'number'
              then round((p_summary ->> p_key)::numeric)::integer end
$$;

create or replace function public.balance_sync_run_finish(
  p_worker text,
  p_status text,
  p_summary jsonb
)
  returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_summary jsonb;
  v_chains jsonb;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023',
      message = 'balance_sync_run_finish: p_worker must be a non-empty token';
  end if;
  if p_status is null or p_status not in ('finished', 'failed') then
    raise exception using errcode = '22023',
      message = format('balance_sync_run_finish: p_status must be finished or failed, got %s',
                       coalesce(p_status, 'null'));
  end if;
  if p_summary is null or jsonb_typeof(p_summary) <> 'object' then
    raise exception using errcode = '22023',
      message = 'balance_sync_run_finish: p_summary must be a JSON object';
  end if;
  -- the per-row list of a forced run is the caller's answer, not a figure of the run
  v_summary := p_summary - 'rows';
  v_chains := case when jsonb_typeof(v_summary -> 'chains') = 'object' then v_summary -> 'chains' end;

  insert into balance_sync.runs as r (
    run_id, kind, scope, started_at, lease_seconds, finished_at, status, chain_ids,
    claimed, synced, failed, released, stale_rejected, lost, invalid, busy, batches,
    duration_ms, cpu_ms, stopped, error, chains, summary)
  values (
    p_worker,
    case when v_summary ->> 'kind' = 'forced' then 'forced' else 'scheduled' end,
    null,
    -- a run that never claimed (its first claim failed) gets its row here
    now() - make_interval(secs => coalesce(balance_sync.summary_int(v_summary, 'duration_ms'), 0) / 1000.0),
    0,
    now(),
    p_status,
    coalesce(array(
      select k::uuid from jsonb_object_keys(coalesce(v_chains, '{}')) as k
      where k ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'), '{}'),
    balance_sync.summary_int(v_summary, 'claimed'),
    balance_sync.summary_int(v_summary, 'synced'),
    balance_sync.summary_int(v_summary, 'failed'),
    balance_sync.summary_int(v_summary, 'released'),
    balance_sync.summary_int(v_summary, 'stale_rejected'),
    balance_sync.summary_int(v_summary, 'lost'),
    balance_sync.summary_int(v_summary, 'invalid'),
    balance_sync.summary_int(v_summary, 'busy'),
    balance_sync.summary_int(v_summary, 'batches'),
    balance_sync.summary_int(v_summary, 'duration_ms'),
    balance_sync.summary_int(v_summary, 'cpu_ms'),
    left(v_summary ->> 'stopped', 100),
    left(v_summary ->> 'error', 2000),
    v_chains,
    v_summary)
  on conflict (run_id) do update
  set finished_at = excluded.finished_at,
      status = excluded.status,
      chain_ids = array(select distinct u from unnest(r.chain_ids || excluded.chain_ids) as u),
      claimed = excluded.claimed,
      synced = excluded.synced,
      failed = excluded.failed,
      released = excluded.released,
      stale_rejected = excluded.stale_rejected,
      lost = excluded.lost,
      invalid = excluded.invalid,
      busy = excluded.busy,
      batches = excluded.batches,
      duration_ms = excluded.duration_ms,
      cpu_ms = excluded.cpu_ms,
      stopped = excluded.stopped,
      error = excluded.error,
      chains = excluded.chains,
      summary = excluded.summary
  -- the first answer counts: a repeated call changes nothing
  where r.finished_at is null;

  -- The metrics' RPC request counters grow here, once per run, so a scrape reads 1 row per chain.
  if found then
    insert into balance_sync.run_totals as t (metric, label, value)
    select 'rpc_requests', ch.key, balance_sync.summary_int(ch.value, 'rpc_requests')
    from jsonb_each(coalesce(v_chains, '{}'::jsonb)) as ch
    where balance_sync.summary_int(ch.value, 'rpc_requests') > 0
    on conflict (metric, label) do update set value = t.value + excluded.value;
  end if;
end
$$;

comment on function public.balance_sync_run_finish(text, text, jsonb) is
$$Completes the balance_sync.runs row of run p_worker (inserted by its first claim) with
p_status (finished or failed) and the run's summary as the HTTP API answered it: the counts go
into typed columns, the JSON (without the per-row list) into summary. A run whose first claim
never happened gets its row here. Only the first call per run writes.$$;

-- Removes runs older than the run_history_retention setting (default 7 days), and adds what it
-- removes to balance_sync.run_totals so that balance_sync_metrics()'s counters never go down.
-- Called by balance_sync.cleanup_cron_history(), the daily cleanup job.
create or replace function balance_sync.prune_run_history()
  returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_keep interval := (balance_sync.setting('run_history_retention', '"7 days"') #>> '{}')::interval;
  v_count integer;
begin
  with removed as (
    delete from balance_sync.runs as r
    where r.started_at < now() - v_keep
      and r.started_at + make_interval(secs => r.lease_seconds) < now()
    returning r.status
  ),
  runs as (
    insert into balance_sync.run_totals as t (metric, label, value)
    select 'runs', case when rm.status = 'running' then 'abandoned' else rm.status end, count(*)
    from removed as rm
    group by 2
    on conflict (metric, label) do update set value = t.value + excluded.value
  )
  select count(*) into v_count from removed;
  return v_count;
end
$$;

comment on function balance_sync.prune_run_history() is
$$Deletes balance_sync.runs rows older than the run_history_retention setting and keeps their
counts in balance_sync.run_totals. Returns the number of runs deleted.$$;

-- The Prometheus text exposition format (version 0.0.4) of everything above, in one call.
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
    history as (
      select h.status, count(*) as n from balance_sync.run_history as h group by h.status
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
      (7, 'balance_sync_runs_total', 'counter',
       'Runs by status: running, finished, failed, abandoned.'),
      (8, 'balance_sync_last_finished_run_timestamp_seconds', 'gauge',
       'Unix time at which the latest run finished.')
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
      select 7, st.status,
             format('balance_sync_runs_total{status="%s"} %s', st.status,
                    coalesce(h.n, 0) + coalesce(t.value, 0))
      from (values ('running'), ('finished'), ('failed'), ('abandoned')) as st(status)
      left join history as h on h.status = st.status
      left join balance_sync.run_totals as t on t.metric = 'runs' and t.label = st.status
      union all
      select 8, '', format('balance_sync_last_finished_run_timestamp_seconds %s',
                           extract(epoch from max(r.finished_at)))
      from balance_sync.runs as r
      having max(r.finished_at) is not null
    )
    select string_agg(blocks.block, '' order by blocks.ord) from (
      select m.ord,
             format(E'# HELP %s %s\n# TYPE %s %s\n', m.name, m.help, m.name, m.kind)
             || coalesce((select string_agg(s.line || E'\n', '' order by s.sub)
                          from sample as s where s.ord = m.ord), '') as block
      from metric as m
    ) as blocks
$$;

comment on function public.balance_sync_metrics() is
$$The Prometheus text exposition format (0.0.4) of balance_sync.chain_status, run_history and
run_totals: what GET /metrics of the function serves, in one round trip. Chain names are label
values, escaped (backslash, double quote, newline).$$;

-- Readable by service_role (and the owner) only.
do $$
declare
  obj text;
  r text;
begin
  foreach obj in array array[
    'balance_sync.row_status', 'balance_sync.stale_rows', 'balance_sync.run_history',
    'balance_sync.chain_status'
  ] loop
    execute format('revoke all on table %s from public', obj);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on table %s from %I', obj, r);
      end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant select on table %s to service_role', obj);
    end if;
  end loop;

  foreach obj in array array[
    'balance_sync.why(uuid)', 'balance_sync.summary_int(jsonb, text)',
    'balance_sync.min_interval()', 'balance_sync.retry_at(integer, timestamptz)',
    'balance_sync.chain_status_rows()',
    'balance_sync.config_problem(text, text, text, bigint, text, boolean, text, integer)',
    'balance_sync.config_broken(text, text, boolean, boolean, text, integer)',
    'balance_sync.row_state(boolean, boolean, timestamptz, boolean, timestamptz, timestamptz, interval, timestamptz)',
    'balance_sync.prune_run_history()', 'public.balance_sync_run_finish(text, text, jsonb)',
    'public.balance_sync_metrics()'
  ] loop
    execute format('revoke all on function %s from public', obj);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on function %s from %I', obj, r);
      end if;
    end loop;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function balance_sync.why(uuid) to service_role;
    -- the views call these, and a view's functions run with the reader's privileges
    grant execute on function balance_sync.setting(text, jsonb) to service_role;
    grant execute on function balance_sync.min_interval() to service_role;
    grant execute on function balance_sync.chain_status_rows() to service_role;
    grant execute on function balance_sync.retry_at(integer, timestamptz) to service_role;
    grant execute on function
      balance_sync.config_problem(text, text, text, bigint, text, boolean, text, integer),
      balance_sync.config_broken(text, text, boolean, boolean, text, integer),
      balance_sync.row_state(boolean, boolean, timestamptz, boolean, timestamptz, timestamptz,
                             interval, timestamptz)
      to service_role;
    grant execute on function public.balance_sync_run_finish(text, text, jsonb) to service_role;
    grant execute on function public.balance_sync_metrics() to service_role;
  end if;
end
$$;
