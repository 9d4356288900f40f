-- balance-sync: a page of the change log is at most 1,000 rows, the db-max-rows of hosted
-- Supabase's PostgREST. It applies to set-returning RPCs too, silently: a client that asked
-- balance_sync_changes_since for 10,000 rows got 1,000 and could take that for the end of the
-- log. Now a larger p_limit is refused with a clear error instead. Paging by cursor is unchanged.
set lock_timeout = '5s';
set statement_timeout = '60s';

create or replace function public.balance_sync_changes_since(
  p_after_id bigint default 0,
  p_limit integer default 1000,
  p_chain_id uuid default null
)
  returns setof jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  if p_after_id is null or p_after_id < 0 then
    raise exception using errcode = '22023',
      message = format('balance_sync_changes_since: p_after_id must be >= 0, got %s', p_after_id);
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception using errcode = '22023',
      message = format('balance_sync_changes_since: p_limit must be 1..1000, got %s', p_limit),
      hint = 'Hosted Supabase''s API returns at most 1,000 rows of a set-returning function '
        || '(db-max-rows); page with the last id as the next p_after_id.';
  end if;
  return query
    select balance_sync.balance_change_json(bc)
    from balance_sync.balance_changes as bc
    where bc.id > p_after_id and (p_chain_id is null or bc.chain_id = p_chain_id)
    order by bc.id
    limit p_limit;
end
$$;

comment on function public.balance_sync_changes_since(bigint, integer, uuid) is
$$Up to p_limit (1..1000, hosted PostgREST's db-max-rows) change-log rows with id > p_after_id, in
id order, optionally only those of chain p_chain_id. Page with the last id as the next
p_after_id: ids become visible in increasing order, so no row is skipped. Each row: {"id",
"wallet_balance_id", "wallet_id", "asset_on_chain_id", "chain_id", "previous_raw",
"previous_human", "new_raw", "new_human", "delta_raw", "delta_human", "previous_block", "block",
"observed_at", "run_id"}, amounts and blocks as decimal strings. service_role only.$$;

select balance_sync.grant_to_service_role_only(
  array['public.balance_sync_changes_since(bigint, integer, uuid)']);
