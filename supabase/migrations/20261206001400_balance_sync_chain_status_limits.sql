-- balance-sync: balance_sync.chain_status shows each chain's learned request sizes (what
-- balance_sync.chain_read_limits shows, 20261206000900) and its dispatch state, the backoff of a
-- chain whose scheduled runs keep failing (what balance_sync.chain_dispatch_status shows,
-- 20261206000500); balance_sync.why(id) says them where they explain a row: a row whose last
-- error was a refusal for size (gas or energy, batch, answer) names the size its chain learned,
-- and a due or backed-off row on a chain in dispatch backoff says when the chain is POSTed again.
--
-- Re-applying every file (a database whose migration history was lost) must still work, and
-- 20261201001300_balance_sync_operability.sql runs
--   create or replace view balance_sync.chain_status as select * from balance_sync.chain_status_rows();
-- again: on the wider view of this file that statement fails ("cannot drop columns from view"),
-- and supabase db push commits each file on its own, so the push would stop there with every
-- earlier file applied again: claim, record, release, dispatch and due_chains back at their
-- 20261201 definitions. No object this file can create makes that statement succeed on a wider
-- view (its column list is fixed by chain_status_rows(), whose return type that file also fixes).
-- So the event trigger balance_sync_chain_status_reapply makes way for it: when that very
-- statement is about to run on a chain_status wider than chain_status_rows(), which is exactly when
-- it would fail, it drops the view first; the statement then creates the 20261201 view, and this
-- file, applied again after it, widens it again. Any other statement is left alone.
--
-- Locks: only chain_status (replaced) and the functions redefined here; no table is touched.

set lock_timeout = '5s';
set statement_timeout = '60s';

create or replace function balance_sync.chain_status_reapply()
  returns event_trigger
  language plpgsql
  set search_path = ''
as $$
begin
  if coalesce(pg_catalog.current_query(), '') ~* ('create\s+or\s+replace\s+view\s+'
       || 'balance_sync\.chain_status\s+as\s+select\s+\*\s+from\s+balance_sync\.chain_status_rows\(\)')
     and (select count(*) from pg_catalog.pg_attribute as a
          where a.attrelid = pg_catalog.to_regclass('balance_sync.chain_status')
            and a.attnum > 0 and not a.attisdropped)
         > (select count(*)
            from pg_catalog.pg_proc as p, unnest(p.proargmodes) as m(mode)
            where p.oid = pg_catalog.to_regprocedure('balance_sync.chain_status_rows()')
              and m.mode = 't')
  then
    -- nothing depends on the view (a dependent object would make this fail, and say which)
    drop view balance_sync.chain_status;
  end if;
end
$$;

comment on function balance_sync.chain_status_reapply() is
$$Event trigger (ddl_command_start, CREATE VIEW): when the statement of
20261201001300_balance_sync_operability.sql that creates balance_sync.chain_status runs again on a
chain_status wider than chain_status_rows() (migration history lost, every file applied again),
drops the view so that the statement succeeds; 20261206001400 then widens it again.$$;

revoke all on function balance_sync.chain_status_reapply() from public;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_event_trigger
                 where evtname = 'balance_sync_chain_status_reapply') then
    create event trigger balance_sync_chain_status_reapply on ddl_command_start
      when tag in ('CREATE VIEW')
      execute function balance_sync.chain_status_reapply();
  end if;
exception when insufficient_privilege then
  -- PostgreSQL lets only a superuser create an event trigger (Supabase's postgres role may)
  raise warning using message = 'balance-sync: no event trigger balance_sync_chain_status_reapply '
    || '(this role may not create one): chain_status gets its new columns all the same, but if '
    || 'the migration history is ever lost, repair it (supabase migration repair --status applied '
    || '<version>) instead of applying every file again, which would stop at '
    || '20261201001300_balance_sync_operability.sql';
end
$$;

-- balance_sync_metrics() as in 20261206001100_balance_sync_metrics_snapshot.sql, except that it
-- counts from chain_status_rows() instead of the view chain_status: the snapshot has
-- chain_status_rows()'s columns, and chain_status now has more.
create or replace function public.balance_sync_metrics()
  returns text
  language sql
  stable
  security definer
  set search_path = ''
  set jit = off
as $$
    -- the snapshot when one is fresh (large tables: balance_sync.refresh_chain_status_snapshot),
    -- else chain_status_rows() itself; the branch not taken is not run (a one-time filter)
    with snap as (
      select max(n.taken_at) as taken_at
      from balance_sync.chain_status_snapshot as n
    ),
    source as (
      select n.* from balance_sync.chain_status_snapshot as n
      where (select snap.taken_at from snap) > now() - interval '120 seconds'
      union all
      select v.*, null::timestamptz from balance_sync.chain_status_rows() as v
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

-- The 20261201 columns first and unchanged (create or replace view may only add columns at the
-- end), then the learned sizes and the dispatch state, from the two views that define them.
create or replace view balance_sync.chain_status as
select
  s.*,
  rl.multicall_calls,
  rl.multicall_refused_at,
  rl.multicall_reason,
  rl.batch_calls,
  rl.batch_refused_at,
  rl.batch_reason,
  rl.response_bytes,
  rl.response_refused_at,
  rl.response_reason,
  rl.lowered_at as read_limits_lowered_at,
  ds.state as dispatch_state,
  ds.in_flight as dispatch_in_flight,
  ds.failures as dispatch_failures,
  ds.backoff_ticks as dispatch_backoff_ticks,
  ds.last_dispatched_at,
  ds.last_status as dispatch_last_status,
  ds.last_error as dispatch_last_error,
  ds.last_outcome_at as dispatch_last_outcome_at
from balance_sync.chain_status_rows() as s
left join balance_sync.chain_read_limits as rl on rl.chain_id = s.chain_id
left join balance_sync.chain_dispatch_status as ds on ds.chain_id = s.chain_id;

comment on view balance_sync.chain_status is
$$One row per chain: active rows by state (fresh, due, leased, backoff, configuration; they add
up to active_rows), never-synced rows, failing rows (error_streak > 0) by error class, staleness
(age of last_checked over active rows that were ever synced) p50/p99/max in seconds, the last
successful sync, the last run that touched the chain and its status, and one recent error.
Then the request sizes the chain's provider accepts, as the function learned them (as in
balance_sync.chain_read_limits; null: nothing learned, the defaults apply): multicall_calls (calls
per Multicall3 aggregate, under the gas cap on EVM and the energy limit on TRON), batch_calls
(calls per JSON-RPC batch), response_bytes (bytes per answer), each with *_refused_at (the smallest
size refused since it was last retried) and *_reason (the provider's words), and
read_limits_lowered_at. Then its scheduled fan-out (as in balance_sync.chain_dispatch_status):
dispatch_state (idle, in_flight or backoff), dispatch_in_flight (POSTs not answered yet),
dispatch_failures (runs in a row that answered non-2xx, timed out or were lost),
dispatch_backoff_ticks (while failing, the chain is POSTed every this many ticks, and at least
every dispatch_backoff_max_seconds), last_dispatched_at, and the HTTP status, error and time of its
latest answered POST (dispatch_last_status, dispatch_last_error, dispatch_last_outcome_at).$$;

select balance_sync.service_role_reads_only(array['balance_sync.chain_status']::regclass[]);

-- Which learned size a failed read's error is about, from its stored words: the readers' refusals
-- for size (chains/evm_errors.ts sizeRefusal and isGasRefusal, chains/tron.ts OUT_OF_ENERGY).
-- Null for any other error.
create or replace function balance_sync.size_refusal(p_error text)
  returns text
  language sql
  immutable
  set search_path = ''
as $$
  select case
    when p_error ~* 'response (size )?(is )?(too large|too big|exceed|limit)|response size|-32003\D.*(large|size)'
      then 'response'
    when p_error ~* ('batch (size )?(is )?(too large|too big|limit|exceed)'
                     || '|too many (requests|calls|items) in (a |the )?batch'
                     || '|request (entity )?too large|HTTP 413')
      then 'batch'
    when p_error ~* ('out of gas|outofgas|intrinsic gas|gas required exceeds'
                     || '|exceeds (the )?(block )?gas limit|CallGasCostMoreThanGasLimit'
                     || '|OutOfEnergy|Not enough energy|OutOfTime|CPU timeout')
      then 'multicall'
  end
$$;

comment on function balance_sync.size_refusal(text) is
$$multicall, batch or response when an error's words are a provider's refusal for size (out of gas
or energy, batch too large or HTTP 413, answer too large), null otherwise: which learned size
(balance_sync.chain_read_limits) balance_sync.why() names for a row that failed so.$$;

-- What a chain learned of one size, in words (for why()).
create or replace function balance_sync.read_limit_words(p_chain_id uuid, p_size text)
  returns text
  language sql
  stable
  set search_path = ''
as $$
  select case
    when p_size is null then null
    when (case p_size when 'multicall' then rl.multicall_calls when 'batch' then rl.batch_calls
                      else rl.response_bytes end) is null
      then format('chain %s has learned no %s yet: the default applies', rl.chain_name,
                  case p_size when 'multicall' then 'calls per aggregate'
                              when 'batch' then 'calls per batch' else 'answer size' end)
    else format('chain %s now reads %s (learned%s)', rl.chain_name,
      case p_size
        when 'multicall' then format('%s calls per aggregate, under the node''s %s',
                                     rl.multicall_calls,
                                     case when rl.family = 'tron' then 'energy limit'
                                          else 'gas cap' end)
        when 'batch' then format('%s calls per JSON-RPC batch', rl.batch_calls)
        else format('answers of at most %s bytes', rl.response_bytes)
      end,
      case when r.refused_at is not null
           then format('; %s was refused: %s', r.refused_at, coalesce(r.reason, 'no reason given'))
           else '' end)
  end
  from balance_sync.chain_read_limits as rl
  cross join lateral (
    select case p_size when 'multicall' then rl.multicall_refused_at
                       when 'batch' then rl.batch_refused_at else rl.response_refused_at end
             as refused_at,
           case p_size when 'multicall' then rl.multicall_reason
                       when 'batch' then rl.batch_reason else rl.response_reason end as reason
  ) as r
  where rl.chain_id = p_chain_id
$$;

-- A chain's dispatch backoff in words, null when it is not in backoff (for why()).
create or replace function balance_sync.dispatch_backoff_words(p_chain_id uuid)
  returns text
  language sql
  stable
  set search_path = ''
as $$
  select format('chain %s is in dispatch backoff: its last %s scheduled runs failed (latest at %s: '
                || '%s), so it is POSTed every %s ticks, and again by %s at the latest',
                ds.chain_name, ds.failures, ds.last_outcome_at,
                concat_ws(' ', 'HTTP ' || ds.last_status, ds.last_error), ds.backoff_ticks,
                ds.last_dispatched_at + make_interval(secs =>
                  balance_sync.setting_number('dispatch_backoff_max_seconds', 300)::double precision))
  from balance_sync.chain_dispatch_status as ds
  where ds.chain_id = p_chain_id and ds.state = 'backoff'
$$;

-- why() as in 20261201001300_balance_sync_operability.sql, with the chain's facts added to the
-- reason where they explain the row: a due or backed-off row whose last error was a refusal for
-- size, and a due or backed-off row on a chain in dispatch backoff. Same columns (row_status's).
create or replace function balance_sync.why(p_wallet_balance_id uuid)
  returns setof balance_sync.row_status
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query
  select (jsonb_populate_record(rs, jsonb_build_object('reason', concat_ws('; ', rs.reason,
           case when rs.state in ('due', 'backoff') and rs.error_streak > 0
                then balance_sync.read_limit_words(rs.chain_id,
                                                   balance_sync.size_refusal(rs.last_error)) end,
           case when rs.state in ('due', 'backoff')
                then balance_sync.dispatch_backoff_words(rs.chain_id) end)))).*
  from balance_sync.row_status as rs
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
leased_by/leased_until, error_streak, error_class, last_error, retry_at, configuration_error).
For a due or backed-off row the reason also names the size its chain learned when the row's last
error was a refusal for size (out of gas or energy, batch or answer too large), and the chain's
dispatch backoff when its scheduled runs keep failing.$$;

do $$
declare
  f text;
  r text;
begin
  -- why() runs them as its owner; nobody else needs them
  foreach f in array array['balance_sync.read_limit_words(uuid, text)',
                           'balance_sync.dispatch_backoff_words(uuid)'] loop
    execute format('revoke all on function %s from public', f);
    foreach r in array array['anon', 'authenticated', 'service_role'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on function %s from %I', f, r);
      end if;
    end loop;
  end loop;
end
$$;

select balance_sync.grant_to_service_role_only(array[
  'balance_sync.why(uuid)',
  'balance_sync.size_refusal(text)'
]);
