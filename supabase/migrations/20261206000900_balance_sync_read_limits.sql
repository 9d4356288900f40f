-- balance-sync: what each chain's provider accepts, learned by the function (adaptive sizing).
-- One row per chain: calls per Multicall3 aggregate (gas cap; on TRON the energy limit), calls
-- per JSON-RPC batch, bytes per answer, each with the AIMD state that grows it back (see the
-- function's chains/read_limits.ts). A run loads a chain's row once before its first read and
-- saves it once after its reads, so the next run starts from what this one learned.
-- Only new objects: no lock on anything that exists.
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.read_limits (
  chain_id uuid primary key,
  -- {"multicall": {"size", "ceiling", "good", "clean", "since_failure", "reason"}, "batch": {...},
  --  "response": {...}}: written by the function only; it checks what it reads back.
  limits jsonb not null,
  family text,
  updated_at timestamptz not null default now(),
  -- when a size was last lowered (a provider refused a request for its size)
  lowered_at timestamptz
);
comment on table balance_sync.read_limits is
  'balance-sync: per chain, the request sizes its provider accepts (learned by the function; '
  'see the view balance_sync.chain_read_limits). Deleting a row makes the chain start again from '
  'the defaults.';
revoke all on table balance_sync.read_limits from public;

-- A size of the stored limits, or null when absent or not a whole number.
create or replace function balance_sync.read_limit(p_limits jsonb, p_name text, p_field text)
  returns bigint
  language sql
  immutable
  set search_path = ''
as $$
  select case when jsonb_typeof(p_limits -> p_name -> p_field) = 'number'
    then (p_limits -> p_name ->> p_field)::numeric::bigint end
$$;

-- The chain's learned sizes, or null when it has none yet (the reader uses its defaults).
create or replace function public.balance_sync_read_limits(p_chain_id uuid)
  returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select rl.limits from balance_sync.read_limits as rl where rl.chain_id = p_chain_id
$$;

comment on function public.balance_sync_read_limits(uuid) is
$$The learned request sizes of a chain (balance_sync.read_limits.limits), null when none yet.
Called by the function once per chain per run, before the chain's first read.$$;

-- Stores a chain's learned sizes; p_lowered: a size was lowered in this run. Returns false, and
-- stores nothing, for a chain that does not exist (deleted while the run read it).
create or replace function public.balance_sync_save_read_limits(
  p_chain_id uuid,
  p_limits jsonb,
  p_lowered boolean default false
)
  returns boolean
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  if p_limits is null or jsonb_typeof(p_limits) <> 'object' then
    raise exception using errcode = '22023',
      message = 'balance_sync_save_read_limits: p_limits must be a JSON object';
  end if;
  if pg_column_size(p_limits) > 8192 then
    raise exception using errcode = '22023',
      message = 'balance_sync_save_read_limits: p_limits is larger than 8 kB';
  end if;
  insert into balance_sync.read_limits as rl (chain_id, limits, family, updated_at, lowered_at)
  select c.id, p_limits, c.family, now(), case when p_lowered then now() end
  from public.chains as c
  where c.id = p_chain_id
  on conflict (chain_id) do update
    set limits = excluded.limits,
        family = excluded.family,
        updated_at = excluded.updated_at,
        lowered_at = coalesce(excluded.lowered_at, rl.lowered_at);
  return found;
end
$$;

comment on function public.balance_sync_save_read_limits(uuid, jsonb, boolean) is
$$Stores the learned request sizes of a chain (upsert); p_lowered marks that a provider refused a
request for its size in this run. Called by the function once per chain per run, after its reads.$$;

create or replace view balance_sync.chain_read_limits as
select
  c.id as chain_id,
  c.name as chain_name,
  c.family,
  balance_sync.read_limit(rl.limits, 'multicall', 'size') as multicall_calls,
  balance_sync.read_limit(rl.limits, 'multicall', 'ceiling') as multicall_refused_at,
  rl.limits -> 'multicall' ->> 'reason' as multicall_reason,
  balance_sync.read_limit(rl.limits, 'batch', 'size') as batch_calls,
  balance_sync.read_limit(rl.limits, 'batch', 'ceiling') as batch_refused_at,
  rl.limits -> 'batch' ->> 'reason' as batch_reason,
  balance_sync.read_limit(rl.limits, 'response', 'size') as response_bytes,
  balance_sync.read_limit(rl.limits, 'response', 'ceiling') as response_refused_at,
  rl.limits -> 'response' ->> 'reason' as response_reason,
  rl.lowered_at,
  rl.updated_at
from public.chains as c
left join balance_sync.read_limits as rl on rl.chain_id = c.id;

comment on view balance_sync.chain_read_limits is
$$One row per chain: the request sizes its provider accepts, as the function learned them
(null: nothing learned yet, the defaults apply: 500 calls per aggregate on EVM, 200 on TRON,
1,000 calls per batch, 25 MB per answer). *_refused_at: the smallest size refused since it was
last retried; *_reason: the provider's words then; lowered_at: when a size was last lowered.$$;

do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.read_limits from %I', r);
      execute format('revoke all on table balance_sync.chain_read_limits from %I', r);
    end if;
  end loop;
  revoke all on table balance_sync.chain_read_limits from public;
  revoke all on function balance_sync.read_limit(jsonb, text, text) from public;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select on table balance_sync.chain_read_limits to service_role;
    -- the view calls it, and a view's functions run with the reader's privileges
    grant execute on function balance_sync.read_limit(jsonb, text, text) to service_role;
  end if;
end
$$;

select balance_sync.grant_to_service_role_only(array[
  'public.balance_sync_read_limits(uuid)',
  'public.balance_sync_save_read_limits(uuid, jsonb, boolean)'
]);
