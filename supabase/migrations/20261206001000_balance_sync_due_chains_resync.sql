-- balance-sync: dispatch's due count agrees with the claim. A row another service asked to resync
-- (last_checked = null) is due whatever next_sync_at says, and a row parked because the database
-- refused to lease it (balance_sync.refused_rows) is not due until its retry_at. Without this,
-- dispatch never POSTed a chain whose only due rows were resync requests, and POSTed a chain whose
-- only due rows were parked. And next_sync_at, where set, alone says when a row is due: record
-- sets it one interval after the tick that read the row, so the row is due at the next tick.
set lock_timeout = '5s';
set statement_timeout = '60s';

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
        and (wb.processing_status is distinct from 'processing'
             or wb.locked_until is null or wb.locked_until <= now())
        and (wb.last_checked is null
             or wb.next_sync_at <= now()
             or (wb.next_sync_at is null
                 and wb.last_checked <= now() - make_interval(secs => p_min_interval_seconds)))
        and not exists (select 1 from balance_sync.refused_rows as r
                        where r.id = wb.id and r.retry_at > now())
      limit p_count_cap
    ) as x
  ) as d
  where c.is_active and d.due > 0
  order by c.name, c.id
$$;

comment on function balance_sync.due_chains(integer, integer) is
$$Active chains with due rows (idle or lease expired; never checked or asked to resync with
last_checked = null, or next_sync_at reached, or without next_sync_at checked at least
p_min_interval_seconds ago; not parked in refused_rows), with how many are due (counted up to p_count_cap) and whether the chain is
rate-limited (max_rps set).$$;

revoke all on function balance_sync.due_chains(integer, integer) from public;
