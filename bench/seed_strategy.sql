-- BENCH ONLY, not a migration: applied by bench/main.ts to its throwaway database.
--
-- The seed worker reads and writes tables with supabase-js query builders (`.from(...)`), one
-- HTTP round trip per query. The PostgREST stand-in serves RPC only, so each of the seed's
-- queries becomes one small single-purpose function here: called through supabase-js `.rpc()`,
-- each still costs exactly one round trip, and does what that one query did, nothing more.
--
-- security definer + search_path = '' like the project's contract functions; execute for
-- service_role only (the seed ran with the service-role key).

-- 1. "Select idle wallet_balances rows (batch of 50)"
create or replace function public.bench_select_idle(p_limit integer)
  returns setof public.wallet_balances
  language sql stable security definer set search_path = ''
as $$
  select wb.* from public.wallet_balances as wb
  where wb.processing_status = 'idle'
  order by wb.last_checked asc nulls first, wb.id
  limit p_limit
$$;

-- 2. "Lock rows for processing"
create or replace function public.bench_lock(p_ids uuid[], p_worker text, p_lock_seconds integer)
  returns void
  language sql volatile security definer set search_path = ''
as $$
  update public.wallet_balances
  set processing_status = 'processing',
      locked_by = p_worker,
      locked_until = now() + make_interval(secs => p_lock_seconds)
  where id = any(p_ids)
$$;

-- 3a. "Load asset_on_chain configuration"
create or replace function public.bench_load_asset_on_chain(p_id uuid)
  returns public.asset_on_chain
  language sql stable security definer set search_path = ''
as $$
  select aoc.* from public.asset_on_chain as aoc where aoc.id = p_id
$$;

-- 3b. "Load chain configuration"
create or replace function public.bench_load_chain(p_id uuid)
  returns public.chains
  language sql stable security definer set search_path = ''
as $$
  select c.* from public.chains as c where c.id = p_id
$$;

-- 3c. "Load wallet address for chain" (.eq wallet_id, .eq chain_id, .eq is_active, .single())
create or replace function public.bench_load_address(p_wallet_id uuid, p_chain_id uuid)
  returns public.user_wallet_addresses
  language sql stable security definer set search_path = ''
as $$
  select a.* from public.user_wallet_addresses as a
  where a.wallet_id = p_wallet_id and a.chain_id = p_chain_id and a.is_active
  limit 1
$$;

-- 3g. "Update wallet_balances": exactly the spec's five fields.
create or replace function public.bench_update_balance(p_id uuid, p_raw text, p_human text)
  returns void
  language sql volatile security definer set search_path = ''
as $$
  update public.wallet_balances
  set on_chain_balance_raw = p_raw::numeric,
      on_chain_balance_human = p_human::numeric,
      last_checked = now(),
      sync_count = sync_count + 1,
      updated_at = now()
  where id = p_id
$$;

-- Error path: "Increments error_count, sets last_error and last_error_at".
create or replace function public.bench_record_error(p_id uuid, p_error text)
  returns void
  language sql volatile security definer set search_path = ''
as $$
  update public.wallet_balances
  set error_count = error_count + 1,
      last_error = p_error,
      last_error_at = now(),
      updated_at = now()
  where id = p_id
$$;

-- 3h. "Release lock"
create or replace function public.bench_release_lock(p_id uuid)
  returns void
  language sql volatile security definer set search_path = ''
as $$
  update public.wallet_balances
  set processing_status = 'idle', locked_by = null, locked_until = null
  where id = p_id
$$;

do $$
declare
  f text;
begin
  foreach f in array array[
    'public.bench_select_idle(integer)',
    'public.bench_lock(uuid[], text, integer)',
    'public.bench_load_asset_on_chain(uuid)',
    'public.bench_load_chain(uuid)',
    'public.bench_load_address(uuid, uuid)',
    'public.bench_update_balance(uuid, text, text)',
    'public.bench_record_error(uuid, text)',
    'public.bench_release_lock(uuid)'
  ] loop
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to service_role', f);
  end loop;
end
$$;
