-- balance-sync: undo what the first version of 20261128000001_balance_sync_schema.sql restricted,
-- on databases that already applied it. The rule is the one written at the top of that file:
-- ADD, NEVER RESTRICT. On the exchange's tables this project adds only nullable or defaulted
-- columns, indexes and comments; no check, no foreign key, no trigger. What the project needs from
-- that data is enforced by balance_sync_claim (a row it cannot read comes back with a
-- configuration error) and balance_sync_record (a row the database refuses fails alone).
--
-- The first version added, by these names:
--   checks        chains_family_check, chains_confirmations_check, chains_max_rps_check,
--                 chains_max_concurrency_check, wallet_balances_error_streak_check
--   foreign keys  <table>_<column>_fkey for asset_on_chain.chain_id/asset_id,
--                 user_wallet_addresses.wallet_id/chain_id, wallet_balances.wallet_id/asset_on_chain_id
-- PostgreSQL gives an unnamed foreign key of another app the same name (wallet_balances_wallet_id_fkey
-- for `wallet_id uuid references wallets`), and that version skipped a name that existed. So a
-- constraint is dropped only when it is provably the one that version created: same name, same
-- definition, and written by the transaction that applied it or later (its catalog row is not older
-- than the migration-history row of 20261128000001, which the Supabase CLI inserts in the same
-- transaction). Without that history row nothing is dropped, and a notice says so.
--
-- It also (same proof of origin):
--   * revokes anon and authenticated on the tables that version created (Supabase's default
--     grants, TRUNCATE included);
--   * recomputes the family of chains that version's backfill wrote and nobody changed since:
--     it set 'evm' on every name without "tron" (Bitcoin and Solana included); now a chain keeps a
--     family only where its name leaves no doubt, others get null (claim reports them, 0 RPC).
-- On a fresh install (the fixed 20261128000001) there is nothing to undo and nothing changes.
-- Applying it again changes nothing.

set lock_timeout = '5s';
set statement_timeout = '60s';

do $$
declare
  v_xid xid;
  c record;
  r text;
begin
  if to_regclass('supabase_migrations.schema_migrations') is not null then
    select m.xmin into v_xid
    from supabase_migrations.schema_migrations as m
    where m.version = '20261128000001';
  end if;
  if v_xid is null then
    raise notice 'balance-sync: no migration history for 20261128000001; constraints of its first '
      'version (if any) are left as they are: see README "On a live exchange database"';
    return;
  end if;

  -- Tables that version created: their row type was written by its transaction itself.
  for c in
    select cl.relname
    from pg_class as cl
    join pg_type as ty on ty.oid = cl.reltype
    where cl.relnamespace = 'public'::regnamespace
      and cl.relname in ('chains', 'assets', 'asset_on_chain', 'wallets', 'user_wallet_addresses',
                         'wallet_balances')
      and ty.xmin = v_xid
  loop
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r)
         and has_table_privilege(r, format('public.%I', c.relname), 'select, insert, update, delete, truncate, references, trigger')
      then
        execute format('revoke all on table public.%I from %I', c.relname, r);
      end if;
    end loop;
  end loop;

  -- The family its backfill wrote (row untouched since: same transaction id).
  for c in
    select ch.id, ch.name, ch.family as old_family, f.family
    from public.chains as ch
    cross join lateral (select regexp_split_to_array(lower(coalesce(ch.name, '')), '[^a-z0-9]+') as w)
      as words
    cross join lateral (select
      words.w && array['tron', 'trx', 'nile', 'shasta'] as tron,
      words.w && array['ethereum', 'eth', 'bsc', 'polygon', 'matic', 'arbitrum', 'optimism',
                       'sepolia', 'holesky', 'goerli', 'fantom', 'evm', 'anvil', 'hardhat', 'ganache']
        or lower(coalesce(ch.name, '')) ~ '(bnb|binance)[^a-z0-9]*smart[^a-z0-9]*chain' as evm,
      words.w && array['bitcoin', 'btc', 'solana', 'sol', 'litecoin', 'ltc', 'dogecoin', 'doge',
                       'xrp', 'ripple', 'cardano', 'ada', 'ton', 'cosmos', 'atom', 'polkadot', 'dot',
                       'near', 'aptos', 'sui', 'stellar', 'xlm', 'monero', 'xmr', 'beacon', 'bep2',
                       'algorand', 'tezos', 'eos', 'hedera', 'zcash', 'dash', 'cash'] as other)
      as hit
    cross join lateral (select case
      when hit.tron and not hit.evm and not hit.other then 'tron'
      when hit.evm and not hit.tron and not hit.other then 'evm'
    end as family) as f
    where ch.xmin = v_xid and ch.family::text is distinct from f.family
  loop
    begin
      update public.chains set family = c.family where id = c.id;
      raise notice 'balance-sync: chain % family % -> % (the name leaves %)', c.name, c.old_family,
        coalesce(c.family, 'null'), case when c.family is null then 'doubt' else 'no doubt' end;
    exception
      when lock_not_available or query_canceled then raise;
      when others then
        raise notice 'balance-sync: family of chain % left %: %', c.name, c.old_family, sqlerrm;
    end;
  end loop;

  -- Constraints that version added.
  for c in
    select k.conname, cl.relname
    from pg_constraint as k
    join pg_class as cl on cl.oid = k.conrelid
    join (values
      ('chains', 'chains_family_check', 'c',
       'CHECK ((family = ANY (ARRAY[''evm''::text, ''tron''::text])))', null, null),
      ('chains', 'chains_confirmations_check', 'c', 'CHECK ((confirmations >= 0))', null, null),
      ('chains', 'chains_max_rps_check', 'c', 'CHECK ((max_rps > (0)::numeric))', null, null),
      ('chains', 'chains_max_concurrency_check', 'c', 'CHECK ((max_concurrency > 0))', null, null),
      ('wallet_balances', 'wallet_balances_error_streak_check', 'c', 'CHECK ((error_streak >= 0))',
       null, null),
      ('asset_on_chain', 'asset_on_chain_chain_id_fkey', 'f', null, 'chain_id', 'chains'),
      ('asset_on_chain', 'asset_on_chain_asset_id_fkey', 'f', null, 'asset_id', 'assets'),
      ('user_wallet_addresses', 'user_wallet_addresses_wallet_id_fkey', 'f', null, 'wallet_id',
       'wallets'),
      ('user_wallet_addresses', 'user_wallet_addresses_chain_id_fkey', 'f', null, 'chain_id',
       'chains'),
      ('wallet_balances', 'wallet_balances_wallet_id_fkey', 'f', null, 'wallet_id', 'wallets'),
      ('wallet_balances', 'wallet_balances_asset_on_chain_id_fkey', 'f', null, 'asset_on_chain_id',
       'asset_on_chain')
    ) as v(tbl, name, kind, def, col, ref)
      on cl.relnamespace = 'public'::regnamespace and cl.relname = v.tbl and k.conname = v.name
    where k.contype = v.kind
      and age(k.xmin) <= age(v_xid)
      and case v.kind
        when 'c' then regexp_replace(pg_get_constraintdef(k.oid), ' NOT VALID$', '') = v.def
        else k.confrelid = format('public.%I', v.ref)::regclass
          and k.conkey = array[(select a.attnum from pg_attribute as a
                                where a.attrelid = k.conrelid and a.attname = v.col)]::int2[]
          and k.confkey = array[(select a.attnum from pg_attribute as a
                                 where a.attrelid = k.confrelid and a.attname = 'id')]::int2[]
          and k.confupdtype = 'a' and k.confdeltype = 'a' and k.confmatchtype = 's'
          and not k.condeferrable
      end
    order by v.tbl, v.name
  loop
    execute format('alter table public.%I drop constraint %I', c.relname, c.conname);
    raise notice 'balance-sync: dropped %.% (added by the first version of this project''s schema '
      'migration; it could refuse other apps'' writes)', c.relname, c.conname;
  end loop;

  if col_description('public.chains'::regclass,
       (select a.attnum from pg_attribute as a
        where a.attrelid = 'public.chains'::regclass and a.attname = 'family'))
     = 'Reader family: evm or tron. Backfilled from the name by the migration; a chain without it is reported as a configuration error.'
  then
    comment on column public.chains.family is
      'Reader family: evm or tron (case and surrounding spaces ignored). The migration sets it only where the chain name leaves no doubt; a chain without it, or with another value, is reported by claim as a configuration error and never read.';
  end if;
exception
  when lock_not_available then
    raise exception using errcode = '55P03',
      message = format('balance-sync migration: a table is busy (another transaction holds a lock '
        || 'on it), gave up after lock_timeout %s. Nothing was changed: retry the migration '
        || '(supabase db push) when the tables are quiet.', current_setting('lock_timeout')),
      hint = 'Long transactions: select pid, xact_start, state, query from pg_stat_activity '
        || 'where xact_start < now() - interval ''1 minute'' order by xact_start';
end
$$;
