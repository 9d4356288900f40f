-- On a live exchange database: a chain family in any case counts, any other family is a
-- configuration error (never read); a row the database refuses fails alone in record.
begin;
select plan(12);

insert into public.chains (id, name, rpc_url, family) values
  ('c0000000-0000-0000-0000-0000000000e1', 'BSC upper', 'http://evm', ' EVM '),
  ('c0000000-0000-0000-0000-0000000000e2', 'Solana', 'http://sol', 'solana'),
  ('c0000000-0000-0000-0000-0000000000e3', 'Unset', 'http://unset', null);
insert into public.assets (id, symbol) values ('a0000000-0000-0000-0000-0000000000e1', 'TOK');
insert into public.asset_on_chain (id, chain_id, asset_id, decimals, is_native)
select ('a0c00000-0000-0000-0000-0000000000e' || n)::uuid,
       ('c0000000-0000-0000-0000-0000000000e' || n)::uuid,
       'a0000000-0000-0000-0000-0000000000e1', 18, true
from generate_series(1, 3) as n;
insert into public.wallets (id) values ('e0000000-0000-0000-0000-0000000000e1');
insert into public.user_wallet_addresses (wallet_id, chain_id, address)
select 'e0000000-0000-0000-0000-0000000000e1', ('c0000000-0000-0000-0000-0000000000e' || n)::uuid,
       '0x' || repeat(n::text, 40)
from generate_series(1, 3) as n;
-- rows e1..e3 on BSC upper, e4 on Solana, e5 on Unset
insert into public.wallet_balances (id, wallet_id, asset_on_chain_id, observed_block)
select ('b0000000-0000-0000-0000-0000000000e' || g)::uuid, 'e0000000-0000-0000-0000-0000000000e1',
       ('a0c00000-0000-0000-0000-0000000000e' || case when g <= 3 then 1 when g = 4 then 2 else 3 end)::uuid,
       100
from generate_series(1, 5) as g;

create temp table claimed as
select public.balance_sync_claim('live', 10, 60,
  '{"wallet_id": "e0000000-0000-0000-0000-0000000000e1"}'::jsonb) as r;

select is(
  (select count(*)::int from claimed, jsonb_array_elements(r -> 'rows') as e
   where e ->> 'chain_id' = 'c0000000-0000-0000-0000-0000000000e1' and e -> 'config_error' = 'null'),
  3, 'a family written '' EVM '' counts as evm: the rows are readable');
select is((select r -> 'chains' -> 'c0000000-0000-0000-0000-0000000000e1' ->> 'family' from claimed),
  'evm', 'and the reader gets it as evm');
select is(
  (select e ->> 'config_error' from claimed, jsonb_array_elements(r -> 'rows') as e
   where e ->> 'id' = 'b0000000-0000-0000-0000-0000000000e4'),
  'chain Solana has no family: set chains.family to evm or tron',
  'a chain of another family is a configuration error, never read');
select is(
  (select e ->> 'config_error' from claimed, jsonb_array_elements(r -> 'rows') as e
   where e ->> 'id' = 'b0000000-0000-0000-0000-0000000000e5'),
  'chain Unset has no family: set chains.family to evm or tron',
  'so is a chain without family');
select ok(
  (select (r -> 'chains' -> 'c0000000-0000-0000-0000-0000000000e2' -> 'family') = 'null'::jsonb
   from claimed),
  'the chains map gives no reader family for it');

create function pg_temp.refuse_e2() returns trigger language plpgsql as $$
begin
  if new.id = 'b0000000-0000-0000-0000-0000000000e2'
     and new.on_chain_balance_raw is distinct from old.on_chain_balance_raw then
    raise exception 'account is frozen';
  end if;
  return new;
end
$$;
create trigger refuse_e2 before update on public.wallet_balances
  for each row execute function pg_temp.refuse_e2();

create temp table recorded as select public.balance_sync_record('live', $$[
  {"id": "b0000000-0000-0000-0000-0000000000e1", "raw": "1", "human": "0.000000000000000001", "block": "100"},
  {"id": "b0000000-0000-0000-0000-0000000000e2", "raw": "2", "human": "0.000000000000000002", "block": "101"},
  {"id": "b0000000-0000-0000-0000-0000000000e3", "raw": "3", "human": "0.000000000000000003", "block": "99"}
]$$::jsonb) as r;

select is((select (r ->> 'applied')::int from recorded), 1,
  'the equal block applies in the same batch as the refused row');
select is((select (r ->> 'stale_rejected')::int from recorded), 1, 'the lower block is stale');
select is((select r -> 'refused' from recorded),
  '[{"id": "b0000000-0000-0000-0000-0000000000e2", "index": 1, "reason": "refused by the database: account is frozen"}]'::jsonb,
  'the refused row is named with the database''s reason and its index');
select row_eq(
  $$select error_count, error_streak, last_error, last_error_at is not null, processing_status::text,
           locked_by, on_chain_balance_raw
    from public.wallet_balances where id = 'b0000000-0000-0000-0000-0000000000e2'$$,
  row(1, 1, 'refused by the database: account is frozen'::text, true, 'idle'::text, null::text,
      null::numeric),
  'it gets error_count + 1, the reason, its backoff streak and its lease released');
select is((select on_chain_balance_raw::text from public.wallet_balances
           where id = 'b0000000-0000-0000-0000-0000000000e1'), '1', 'its neighbour applied');

select function_privs_are('balance_sync', 'record_apart', array['text', 'jsonb', 'text'], r,
  array[]::text[], format('%s cannot execute balance_sync.record_apart', r))
from unnest(array['anon', 'service_role']) as r;

select * from finish();
rollback;
