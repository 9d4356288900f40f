-- balance-sync: what scheduled runs per chain need.
--
--   * wallet_balances.next_sync_at: when a row is next due (graphile-worker's run_at). record and
--     release write it; claim filters and orders by it through an index, so rows waiting in error
--     backoff sit at the far end of the index and a claim never walks past them.
--   * balance_sync.chain_leases: one live lease per rate-limited chain (max_rps set), so that at
--     most one run reads such a chain at a time, across every invocation. Fenced like row leases.
--   * balance_sync_chain_acquire / _chain_release / _due_chains: the function's calls for them.
--   * settings of the dispatch fan-out and of next_sync_at.

set lock_timeout = '5s';

set statement_timeout = '60s';

-- Only when the column is new (a re-apply takes no lock on the shared table), then the indexes.
do $$
begin
  if balance_sync.add_missing_column('public.wallet_balances', 'next_sync_at', 'timestamptz',
       'balance-sync: when this row is next due (null = due now). Set by balance_sync_record '
       || '(success: now + min interval; failure: now + backoff) and balance_sync_release (now: '
       || 'behind the rows already due).') then
    -- Rows already in backoff get their next attempt time now, so that they leave the head of the
    -- line at once instead of after their next failure. Only an optimisation (claim checks the
    -- backoff too), so another app's trigger that refuses the update does not fail the migration.
    begin
      update public.wallet_balances as wb
      set next_sync_at = wb.last_error_at
          + make_interval(secs => least(30 * power(2, least(wb.error_streak - 1, 7)), 3600))
      where wb.next_sync_at is null and wb.error_streak > 0 and wb.last_error_at is not null;
    exception
      when lock_not_available or query_canceled then raise;
      when others then
        raise notice 'balance-sync: next_sync_at of rows in backoff left null: %', sqlerrm;
    end;
  end if;
end
$$;

-- One key for "due, in order": null sorts as -infinity (never synced, or written by another service).
select balance_sync.add_missing_index('public.wallet_balances_next_sync_idx',
  'create index wallet_balances_next_sync_idx on public.wallet_balances '
  || '((coalesce(next_sync_at, ''-infinity''::timestamptz)), last_checked asc nulls first, id)');
-- Per chain (through its asset_on_chain rows): the due rows of one asset, in line, without the
-- others (a scheduled claim of one chain, and dispatch's due count).
select balance_sync.add_missing_index('public.wallet_balances_asset_next_sync_idx',
  'create index wallet_balances_asset_next_sync_idx on public.wallet_balances '
  || '(asset_on_chain_id, (coalesce(next_sync_at, ''-infinity''::timestamptz)), '
  || 'last_checked asc nulls first, id)');

create table if not exists balance_sync.chain_leases (
  chain_id uuid primary key,
  locked_by text not null,
  locked_until timestamptz not null,
  acquired_at timestamptz not null default now()
);
comment on table balance_sync.chain_leases is
  'balance-sync: the run that reads a rate-limited chain now (one row per chain, fenced by locked_by).';
revoke all on table balance_sync.chain_leases from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.chain_leases from %I', r);
    end if;
  end loop;
end
$$;

insert into balance_sync.settings (key, value, description) values
  ('min_interval_seconds', '30',
   'Seconds between two syncs of a row: record sets next_sync_at = now + this on success.'),
  ('rows_per_run', '2000',
   'Rows one scheduled run claims at most (match BALANCE_SYNC_MAX_ROWS_PER_RUN): dispatch sends '
   'one more POST for a chain per this many due rows.'),
  ('max_runs_per_chain', '4',
   'Parallel scheduled POSTs per chain and tick at most (a chain with max_rps always gets 1).'),
  ('max_runs_per_tick', '20',
   'Scheduled POSTs per tick at most, over all chains (every chain with due rows gets one first).'),
  ('pg_net_timeout_ms', '40000',
   'pg_net timeout of each scheduled POST (match BALANCE_SYNC_PG_NET_TIMEOUT_MS).')
on conflict (key) do nothing;

create or replace function public.balance_sync_chain_acquire(
  p_worker text,
  p_chain_id uuid,
  p_lease_seconds integer default 120
)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_now timestamptz := now();
  v_limited boolean;
  v_max_rps numeric;
  v_multicall boolean;
  v_holder text;
  v_until timestamptz;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023',
      message = 'balance_sync_chain_acquire: p_worker must be a non-empty token';
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 86400 then
    raise exception using errcode = '22023',
      message = format('balance_sync_chain_acquire: p_lease_seconds must be 1..86400, got %s',
                       p_lease_seconds);
  end if;
  select c.max_rps is not null, c.max_rps, nullif(btrim(c.multicall_address), '') is not null
    into v_limited, v_max_rps, v_multicall
  from public.chains as c where c.id = p_chain_id;
  if v_limited is null then
    return jsonb_build_object('acquired', false, 'rate_limited', false, 'unknown_chain', true);
  end if;
  if not v_limited then
    return jsonb_build_object('acquired', true, 'rate_limited', false);
  end if;

  insert into balance_sync.chain_leases as l (chain_id, locked_by, locked_until, acquired_at)
  values (p_chain_id, p_worker, v_now + make_interval(secs => p_lease_seconds), v_now)
  on conflict (chain_id) do update
    set locked_by = excluded.locked_by,
        locked_until = excluded.locked_until,
        acquired_at = excluded.acquired_at
    where l.locked_until <= v_now or l.locked_by = excluded.locked_by
  returning l.locked_by, l.locked_until into v_holder, v_until;

  if v_holder is null then
    select l.locked_by, l.locked_until into v_holder, v_until
    from balance_sync.chain_leases as l where l.chain_id = p_chain_id;
    return jsonb_build_object('acquired', false, 'rate_limited', true,
                              'holder', v_holder, 'locked_until', v_until);
  end if;
  return jsonb_build_object('acquired', true, 'rate_limited', true, 'locked_until', v_until,
                            'max_rps', v_max_rps, 'multicall', v_multicall);
end
$$;

comment on function public.balance_sync_chain_acquire(text, uuid, integer) is
$$Takes the lease of a rate-limited chain (chains.max_rps set) for worker p_worker, for
p_lease_seconds. Returns {"acquired": true, "rate_limited": true, "locked_until", "max_rps",
"multicall"} when it is now
p_worker's (free, expired, or already its own), {"acquired": false, "rate_limited": true,
"holder", "locked_until"} when another run holds it, and {"acquired": true, "rate_limited": false}
for a chain without max_rps (no lease: its runs may read in parallel), and {"acquired": false,
"rate_limited": false, "unknown_chain": true} when no chain has that id.$$;

create or replace function public.balance_sync_chain_release(p_worker text, p_chain_id uuid)
  returns boolean
  language sql
  volatile
  security definer
  set search_path = ''
as $$
  with released as (
    delete from balance_sync.chain_leases as l
    where l.chain_id = p_chain_id and l.locked_by = p_worker
    returning 1
  )
  select exists (select 1 from released)
$$;

comment on function public.balance_sync_chain_release(text, uuid) is
$$Gives back p_worker's lease of chain p_chain_id; a lease another run took over is not touched.
Returns whether a lease was released.$$;

create or replace function balance_sync.due_chains(
  p_min_interval_seconds integer default 30,
  p_count_cap integer default 100000
)
  returns table (chain_id uuid, name text, rate_limited boolean, due bigint)
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select c.id, c.name, c.max_rps is not null, d.due
  from public.chains as c
  cross join lateral (
    select count(*) as due
    from (
      select 1
      from public.asset_on_chain as aoc
      join public.wallet_balances as wb on wb.asset_on_chain_id = aoc.id
      where aoc.chain_id = c.id and aoc.is_active
        and coalesce(wb.next_sync_at, '-infinity'::timestamptz) <= now()
        and (wb.processing_status is distinct from 'processing'
             or wb.locked_until is null or wb.locked_until <= now())
        and (wb.last_checked is null
             or wb.last_checked <= now() - make_interval(secs => p_min_interval_seconds))
      limit p_count_cap
    ) as x
  ) as d
  where c.is_active and d.due > 0
  order by c.name, c.id
$$;

comment on function balance_sync.due_chains(integer, integer) is
$$Active chains with due rows (idle or lease expired, next_sync_at reached, checked at least
p_min_interval_seconds ago), with how many are due (counted up to p_count_cap) and whether the
chain is rate-limited (max_rps set).$$;

create or replace function public.balance_sync_due_chains(p_min_interval_seconds integer default 30)
  returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'chain_id', d.chain_id, 'name', d.name, 'rate_limited', d.rate_limited, 'due', d.due)
           order by d.name, d.chain_id), '[]'::jsonb)
  from balance_sync.due_chains(p_min_interval_seconds, 100000) as d
$$;

comment on function public.balance_sync_due_chains(integer) is
$$The chains a run over every chain (POST {}) reads: [{"chain_id", "name", "rate_limited",
"due"}], one per active chain with due rows.$$;

revoke all on function balance_sync.due_chains(integer, integer) from public;
select balance_sync.grant_to_service_role_only(array[
  'public.balance_sync_chain_acquire(text, uuid, integer)',
  'public.balance_sync_chain_release(text, uuid)',
  'public.balance_sync_due_chains(integer)'
]);
