-- balance-sync: undo what the first version of 20261128000001_balance_sync_schema.sql restricted,
-- on databases that already applied it, and only what the catalog proves that version wrote. The
-- rule is the one written at the top of that file: ADD, NEVER RESTRICT. On the exchange's tables
-- this project adds only nullable or defaulted columns, indexes and comments; no check, no foreign
-- key, no trigger. What the project needs from that data is enforced by balance_sync_claim (a row
-- it cannot read comes back with a configuration error) and balance_sync_record (a row the
-- database refuses fails alone).
--
-- The first version added, by these names:
--   checks        chains_family_check, chains_confirmations_check, chains_max_rps_check,
--                 chains_max_concurrency_check, wallet_balances_error_streak_check
--   foreign keys  <table>_<column>_fkey for asset_on_chain.chain_id/asset_id,
--                 user_wallet_addresses.wallet_id/chain_id, wallet_balances.wallet_id/asset_on_chain_id
-- kept Supabase's default grants to anon and authenticated on the tables it created, and set 'evm'
-- on every chain name without "tron". PostgreSQL gives an unnamed foreign key of another app the
-- same name (wallet_balances_wallet_id_fkey for `wallet_id uuid references wallets`), and that
-- version skipped a key that existed, so a name and a definition prove nothing.
--
-- Proof of origin: the transaction id T that wrote the migration-history row of 20261128000001
-- (the Supabase CLI inserts it in the same transaction as the file's statements).
--   * T must name one transaction only: the 64-bit transaction counter shows that no transaction
--     since has used the same 32-bit value (ids below next - 2^32 are refused, and so are 0..2,
--     the invalid, bootstrap and frozen ids). Freezing keeps a row's raw xmin, so a frozen row is
--     judged by the same rule; age() is never used (it is negative past 2^31).
--   * The next history row (20261128000002, same push, next transaction) must have another,
--     later id T2: a dump restored or a history repaired writes the rows again, in one
--     transaction or in the wrong order. And the history table's own catalog row must be older
--     than T: after pg_upgrade or a restore the catalog is newer than the rows it holds.
--   * A catalog row written at the top level of that transaction has xmin = T exactly: the row
--     types of the tables it created (grants), the chains rows of its backfill (family), the
--     pg_depend rows of its checks (added at the top level, validated in a subtransaction).
--   * Its foreign keys were added and validated inside PL/pgSQL exception blocks, each a
--     subtransaction with an id of its own, after its checks: a key is that version's when its
--     pg_depend and pg_trigger rows share one id after the last subtransaction that validated one
--     of its proven checks and before T2, and the key's own row was written by that id (not
--     validated) or by a later one before T2 (validated). Another app's key of the same name
--     committed before that version locked the table (or it would have failed as a duplicate),
--     so its ids are older than any of that version's subtransactions.
-- Proven: the check or key is dropped, the grants revoked, the family corrected, with a notice.
-- Written before T (by the app): not that version's, nothing to do. Anything else, or no proof at
-- all: nothing changes; a notice prints the exact statement, and balance_sync.left_in_place lists
-- it ("left in place, here is how to remove it"). A foreign key is never dropped on a guess.
--
-- Family: a chain that version set to 'evm' (or 'tron') has been read as such since; it keeps it
-- unless its name says otherwise: a word of another chain (Bitcoin, Solana, ...), or words of the
-- other family ("Nile" set to evm becomes tron; both families' words become null). "Base",
-- "Linea" or "BNB Chain" keep syncing. A fresh install keeps the careful rule of 20261128000001.
--
-- This file landed with a weaker proof (a catalog row "not older" than T, which pg_upgrade, a
-- restore, a repaired history row or wraparound make true of another app's key); it was changed
-- only so that databases that have not applied it yet are not harmed. Databases that applied it
-- get balance_sync.left_in_place from 20261206000100_balance_sync_left_in_place.sql.
-- On a fresh install (the fixed 20261128000001) there is nothing to undo and nothing changes.
-- Applying it again changes nothing.

set lock_timeout = '5s';
set statement_timeout = '60s';

-- The listing (the same definition as in 20261206000100_balance_sync_left_in_place.sql).
create table if not exists balance_sync.left_in_place (
  kind text not null,
  object text not null,
  reason text not null,
  ddl text not null,
  noted_at timestamptz not null default now(),
  primary key (kind, object)
);
revoke all on table balance_sync.left_in_place from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.left_in_place from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select on table balance_sync.left_in_place to service_role;
  end if;
end
$$;
comment on table balance_sync.left_in_place is
  'What the upgrade from the first version of the schema migration left in place because the catalog could not prove that version wrote it (kind: constraint, grant or family), and the statement (ddl) that removes it. Run it only for what balance-sync added; delete the row once handled.';

do $$
declare
  c_first_comment constant text :=
    'Reader family: evm or tron. Backfilled from the name by the migration; a chain without it is reported as a configuration error.';
  v_first_ran boolean;
  v_first_statements boolean;
  v_object text;
  v_reason text;
  v_ddl text;
  v_t xid;
  v_t2 xid;
  v_history_type xid;
  v_next bigint;
  v_floor bigint;
  v_tn bigint;
  v_t2n bigint;
  v_proof text;
  c record;
begin
  -- Did the first version run here at all? Its statements are in the history row (the CLI stores
  -- them), and it wrote its own comment on chains.family (nothing else writes that text).
  v_first_ran := coalesce(col_description('public.chains'::regclass,
    (select a.attnum from pg_attribute as a
     where a.attrelid = 'public.chains'::regclass and a.attname = 'family')) = c_first_comment,
    false);
  if to_regclass('supabase_migrations.schema_migrations') is not null then
    select m.xmin,
           strpos(to_jsonb(m) ->> 'statements',
                  'case when name ilike ''%tron%'' then ''tron'' else ''evm'' end') > 0
      into v_t, v_first_statements
    from supabase_migrations.schema_migrations as m
    where m.version = '20261128000001';
    v_first_ran := v_first_ran or coalesce(v_first_statements, false);
    select m.xmin into v_t2
    from supabase_migrations.schema_migrations as m
    where m.version > '20261128000001'
    order by m.version
    limit 1;
    select ty.xmin into v_history_type
    from pg_class as cl
    join pg_type as ty on ty.oid = cl.reltype
    where cl.oid = 'supabase_migrations.schema_migrations'::regclass;
  end if;
  if not v_first_ran then
    return;
  end if;

  v_next := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
  v_floor := greatest(3, v_next - 4294967296);
  v_tn := v_t::text::bigint;
  v_t2n := v_t2::text::bigint;
  v_proof := case
    when v_t is null then
      'there is no migration-history row for 20261128000001'
    when v_tn < v_floor or v_t2n < v_floor then
      'the transaction id of its migration-history row is frozen, or was used again since '
      || '(more than 2^32 transactions)'
    when v_t2 is null then
      'there is no migration-history row after 20261128000001'
    when v_t2n = v_tn then
      'its migration-history row was written in one transaction with the next one (restored '
      || 'from a dump, or repaired)'
    when v_t2n < v_tn then
      'its migration-history row is newer than the next one (written again by a repair)'
    when v_history_type is null or v_history_type::text::bigint < v_floor
         or v_history_type::text::bigint >= v_tn then
      'the migration-history table is not older than its rows (the catalog was rebuilt: '
      || 'pg_upgrade or a restore)'
  end;
  if v_proof is not null then
    raise notice 'balance-sync: cannot prove what the first version of 20261128000001 wrote here: '
      '%; nothing of it is removed, see balance_sync.left_in_place', v_proof;
  end if;

  -- Grants: tables that version created (their row type was written by its transaction) and that
  -- still grant anything to the API roles. It enabled row level security on each.
  for c in
    select cl.relname, rl.rolname,
           v_proof is null and ty.xmin::text::bigint = v_tn as ours,
           v_proof is null and ty.xmin::text::bigint between v_floor and v_tn - 1 as older
    from pg_class as cl
    join pg_type as ty on ty.oid = cl.reltype
    cross join pg_roles as rl
    where cl.relnamespace = 'public'::regnamespace
      and cl.relname in ('chains', 'assets', 'asset_on_chain', 'wallets', 'user_wallet_addresses',
                         'wallet_balances')
      and cl.relrowsecurity
      and rl.rolname in ('anon', 'authenticated')
      and has_table_privilege(rl.oid, cl.oid,
                              'select, insert, update, delete, truncate, references, trigger')
    order by cl.relname, rl.rolname
  loop
    if c.ours then
      execute format('revoke all on table public.%I from %I', c.relname, c.rolname);
    elsif not c.older then
      v_object := format('public.%s to %s', c.relname, c.rolname);
      v_reason := coalesce(v_proof,
        'the table was not created by the transaction that applied 20261128000001');
      v_ddl := format('revoke all on table public.%I from %I;', c.relname, c.rolname);
      raise notice 'balance-sync: left in place: % (%); if balance-sync''s first version wrote it, '
        'run: %', v_object, v_reason, v_ddl;
      insert into balance_sync.left_in_place (kind, object, reason, ddl)
      values ('grant', v_object, v_reason, v_ddl)
      on conflict (kind, object) do nothing;
    end if;
  end loop;

  -- Family: chains that version's backfill wrote (row untouched since: same transaction id) and
  -- whose name says otherwise.
  for c in
    select ch.id, ch.name, ch.family as old_family, f.family,
           v_proof is null and ch.xmin::text::bigint = v_tn as ours,
           v_proof is null and ch.xmin::text::bigint between v_floor and v_tn - 1 as older
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
    where ch.family::text in ('evm', 'tron')
      and (hit.other or (ch.family::text = 'evm' and hit.tron)
           or (ch.family::text = 'tron' and hit.evm))
    order by ch.name, ch.id
  loop
    if c.ours then
      begin
        update public.chains set family = c.family where id = c.id;
        raise notice 'balance-sync: chain % family % -> % (its name says otherwise)', c.name,
          c.old_family, coalesce(c.family, 'null');
      exception
        when lock_not_available or query_canceled then raise;
        when others then
          raise notice 'balance-sync: family of chain % left %: %', c.name, c.old_family, sqlerrm;
      end;
    elsif not c.older then
      v_object := format('public.chains %s (%s)', c.id, c.name);
      v_reason := coalesce(v_proof,
        'the chain row was written after the transaction that applied 20261128000001');
      v_ddl := format('update public.chains set family = %s where id = %L;',
               coalesce(quote_literal(c.family), 'null'), c.id);
      raise notice 'balance-sync: left in place: % (%); if balance-sync''s first version wrote it, '
        'run: %', v_object, v_reason, v_ddl;
      insert into balance_sync.left_in_place (kind, object, reason, ddl)
      values ('family', v_object, v_reason, v_ddl)
      on conflict (kind, object) do nothing;
    end if;
  end loop;

  -- Constraints with that version's names and definitions, and the transaction ids of their
  -- catalog rows (bigint: the proof above makes every id from T on a plain number).
  for c in
    with candidate as (
      select cl.relname, k.conname, k.contype, k.convalidated, k.xmin::text::bigint as con_x,
             dep.lo as dep_lo, dep.hi as dep_hi, trg.lo as trg_lo, trg.hi as trg_hi
      from pg_constraint as k
      join pg_class as cl on cl.oid = k.conrelid
      join (values
        ('chains', 'chains_family_check', 'c',
         'CHECK ((family = ANY (ARRAY[''evm''::text, ''tron''::text])))', null, null),
        ('chains', 'chains_confirmations_check', 'c', 'CHECK ((confirmations >= 0))', null, null),
        ('chains', 'chains_max_rps_check', 'c', 'CHECK ((max_rps > (0)::numeric))', null, null),
        ('chains', 'chains_max_concurrency_check', 'c', 'CHECK ((max_concurrency > 0))', null,
         null),
        ('wallet_balances', 'wallet_balances_error_streak_check', 'c',
         'CHECK ((error_streak >= 0))', null, null),
        ('asset_on_chain', 'asset_on_chain_chain_id_fkey', 'f', null, 'chain_id', 'chains'),
        ('asset_on_chain', 'asset_on_chain_asset_id_fkey', 'f', null, 'asset_id', 'assets'),
        ('user_wallet_addresses', 'user_wallet_addresses_wallet_id_fkey', 'f', null, 'wallet_id',
         'wallets'),
        ('user_wallet_addresses', 'user_wallet_addresses_chain_id_fkey', 'f', null, 'chain_id',
         'chains'),
        ('wallet_balances', 'wallet_balances_wallet_id_fkey', 'f', null, 'wallet_id', 'wallets'),
        ('wallet_balances', 'wallet_balances_asset_on_chain_id_fkey', 'f', null,
         'asset_on_chain_id', 'asset_on_chain')
      ) as v(tbl, name, kind, def, col, ref)
        on cl.relnamespace = 'public'::regnamespace and cl.relname = v.tbl and k.conname = v.name
      cross join lateral (select min(d.xmin::text::bigint) as lo, max(d.xmin::text::bigint) as hi
                          from pg_depend as d
                          where d.classid = 'pg_constraint'::regclass and d.objid = k.oid) as dep
      cross join lateral (select min(t.xmin::text::bigint) as lo, max(t.xmin::text::bigint) as hi
                          from pg_trigger as t where t.tgconstraint = k.oid) as trg
      where k.contype = v.kind
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
    ),
    judged as (
      select candidate.*,
             v_proof is null and contype = 'c' and dep_lo = v_tn and dep_hi = v_tn as check_ours
      from candidate
    ),
    -- The last subtransaction of T that validated one of its checks: its keys came after.
    anchor as (
      select max(con_x) as x from judged where check_ours and con_x > v_tn and con_x < v_t2n
    )
    select j.relname, j.conname, j.contype,
           coalesce(case when j.contype = 'c' then j.check_ours
             else v_proof is null and dep_lo = dep_hi and trg_lo = trg_hi and dep_lo = trg_lo
               and dep_lo > a.x and dep_lo < v_t2n
               and ((not j.convalidated and j.con_x = dep_lo)
                    or (j.convalidated and j.con_x > dep_lo and j.con_x < v_t2n))
           end, false) as ours,
           coalesce(v_proof is null
             and greatest(j.con_x, j.dep_hi, j.trg_hi) < v_tn
             and least(j.con_x, j.dep_lo, j.trg_lo) >= v_floor, false) as older
    from judged as j
    cross join anchor as a
    order by j.relname, j.conname
  loop
    if c.ours then
      execute format('alter table public.%I drop constraint %I', c.relname, c.conname);
      raise notice 'balance-sync: dropped %.% (added by the first version of this project''s schema '
        'migration; it could refuse other apps'' writes)', c.relname, c.conname;
    elsif not c.older then
      v_object := format('%s.%s', c.relname, c.conname);
      v_reason := coalesce(v_proof,
        'its catalog rows were not written by the transaction that applied 20261128000001 '
        || '(another app''s, or written again since)');
      v_ddl := format('alter table public.%I drop constraint %I;', c.relname, c.conname);
      raise notice 'balance-sync: left in place: % (%); if balance-sync''s first version wrote it, '
        'run: %', v_object, v_reason, v_ddl;
      insert into balance_sync.left_in_place (kind, object, reason, ddl)
      values ('constraint', v_object, v_reason, v_ddl)
      on conflict (kind, object) do nothing;
    end if;
  end loop;

  if col_description('public.chains'::regclass,
       (select a.attnum from pg_attribute as a
        where a.attrelid = 'public.chains'::regclass and a.attname = 'family'))
     = c_first_comment
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
