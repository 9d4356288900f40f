-- balance_sync_claim: which rows are due, leases, stalest first, configuration errors,
-- forced (filtered) claims. Concurrency is covered by tests/db (several real connections).
begin;
select plan(27);

insert into public.chains (id, name, rpc_url, family, fallback_rpc_urls, multicall_address, confirmations, is_active) values
  ('c0000000-0000-0000-0000-00000000000e', 'bsc', 'http://evm', 'evm', '{http://evm2}', '0xcA11bde05977b3631167028862bE2a173976CA11', 2, true),
  ('c0000000-0000-0000-0000-00000000000f', 'tron', 'http://tron', 'tron', '{}', null, 0, true),
  ('c0000000-0000-0000-0000-0000000000aa', 'old', 'http://old', 'evm', '{}', null, 0, false);
insert into public.assets (id, symbol) values ('a0000000-0000-0000-0000-000000000001', 'TOK');
insert into public.asset_on_chain (id, chain_id, asset_id, contract_address, decimals, is_native, is_active) values
  ('a0c00000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-00000000000e', 'a0000000-0000-0000-0000-000000000001', null, 18, true, true),
  ('a0c00000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-00000000000e', 'a0000000-0000-0000-0000-000000000001', '0x55d398326f99059fF775485246999027B3197955', 18, false, true),
  ('a0c00000-0000-0000-0000-000000000003', 'c0000000-0000-0000-0000-00000000000f', 'a0000000-0000-0000-0000-000000000001', null, 6, true, true),
  ('a0c00000-0000-0000-0000-000000000004', 'c0000000-0000-0000-0000-0000000000aa', 'a0000000-0000-0000-0000-000000000001', null, 18, true, true),
  ('a0c00000-0000-0000-0000-000000000005', 'c0000000-0000-0000-0000-00000000000e', 'a0000000-0000-0000-0000-000000000001', '0x1', 18, false, false),
  ('a0c00000-0000-0000-0000-000000000006', 'c0000000-0000-0000-0000-00000000000e', 'a0000000-0000-0000-0000-000000000001', '0x2', 99, false, true),
  ('a0c00000-0000-0000-0000-000000000007', 'c0000000-0000-0000-0000-00000000000e', 'a0000000-0000-0000-0000-000000000001', null, 6, false, true);
insert into public.wallets (id) values
  ('e0000000-0000-0000-0000-000000000001'), ('e0000000-0000-0000-0000-000000000002'),
  ('e0000000-0000-0000-0000-000000000003');
insert into public.user_wallet_addresses (wallet_id, chain_id, address, is_active) values
  ('e0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-00000000000e', '0x1111111111111111111111111111111111111111', true),
  ('e0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-00000000000e', '0x9999999999999999999999999999999999999999', false),
  ('e0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-00000000000f', 'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8', true),
  ('e0000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-00000000000e', '0x2222222222222222222222222222222222222222', true),
  ('e0000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-00000000000e', '0x3333333333333333333333333333333333333333', true),
  ('e0000000-0000-0000-0000-000000000003', 'c0000000-0000-0000-0000-00000000000e', '0x4444444444444444444444444444444444444444', false);

-- b01 due (never checked)          b02 checked 10 s ago (not due)   b03 checked 31 s ago (due)
-- b04 inactive chain               b05 inactive asset               b06 two active addresses
-- b07 no active address            b08 decimals 99                  b09 token without contract
-- b10 live lease of another worker b11 expired lease (due)          b12 in backoff (streak 2, 10 s)
-- b13 backoff over (streak 1, 40 s)
insert into public.wallet_balances (id, wallet_id, asset_on_chain_id, last_checked, processing_status, locked_until, locked_by, error_streak, last_error_at) values
  ('b0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000001', null, 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000002', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000002', now() - interval '10 seconds', 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000003', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000003', now() - interval '31 seconds', 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000004', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000004', null, 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000005', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000005', null, 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000006', 'e0000000-0000-0000-0000-000000000002', 'a0c00000-0000-0000-0000-000000000001', null, 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000007', 'e0000000-0000-0000-0000-000000000003', 'a0c00000-0000-0000-0000-000000000001', null, 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000008', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000006', null, 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000009', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000007', null, 'idle', null, null, 0, null),
  ('b0000000-0000-0000-0000-000000000010', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000001', null, 'processing', now() + interval '60 seconds', 'other', 0, null),
  ('b0000000-0000-0000-0000-000000000011', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000001', now() - interval '1 hour', 'processing', now() - interval '1 second', 'other', 0, null),
  ('b0000000-0000-0000-0000-000000000012', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000001', now() - interval '1 hour', 'idle', null, null, 2, now() - interval '10 seconds'),
  ('b0000000-0000-0000-0000-000000000013', 'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000001', now() - interval '1 hour', 'idle', null, null, 1, now() - interval '40 seconds');

create temp table claim_a as select public.balance_sync_claim('worker-a', 2) as r;
select is(jsonb_array_length((select r -> 'rows' from claim_a)), 2, 'p_limit caps the batch');
select is(
  (select array_agg(x ->> 'id' order by x ->> 'id') from claim_a, jsonb_array_elements(r -> 'rows') x),
  array['b0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000006'],
  'the stalest rows (never checked, then by id) come first');
select is(public.balance_sync_release('worker-a',
  array['b0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000006']::uuid[]),
  2, 'release gives the rows back');

create temp table claim_b as select public.balance_sync_claim('worker-b') as r;
create temp table rows_b as
  select x ->> 'id' as id, x from claim_b, jsonb_array_elements(r -> 'rows') x;

select set_eq('select id from rows_b',
  array['b0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000003',
        'b0000000-0000-0000-0000-000000000006', 'b0000000-0000-0000-0000-000000000007',
        'b0000000-0000-0000-0000-000000000008', 'b0000000-0000-0000-0000-000000000009',
        'b0000000-0000-0000-0000-000000000011', 'b0000000-0000-0000-0000-000000000013'],
  'claims exactly the due rows of active assets on active chains that are idle or expired');
select is((select r -> 'busy' from claim_b), '[]'::jsonb, 'an unfiltered claim reports no busy rows');
select is(
  (select jsonb_agg(x - 'asset_on_chain_id' - 'asset_id' - 'wallet_id') from rows_b
   where id = 'b0000000-0000-0000-0000-000000000001'),
  '[{"id": "b0000000-0000-0000-0000-000000000001", "chain_id": "c0000000-0000-0000-0000-00000000000e",
     "address": "0x1111111111111111111111111111111111111111", "contract_address": null,
     "decimals": 18, "is_native": true, "config_error": null}]'::jsonb,
  'a healthy row carries its active address, decimals and is_native, and no config_error');
select is((select x ->> 'contract_address' from rows_b where id = 'b0000000-0000-0000-0000-000000000003'), null,
  'a native asset has no contract address');
select is((select x ->> 'address' from rows_b where id = 'b0000000-0000-0000-0000-000000000003'),
  'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8', 'the address is the one on the asset''s chain');
select is((select x ->> 'config_error' from rows_b where id = 'b0000000-0000-0000-0000-000000000006'),
  'wallet has 2 active addresses on chain bsc', 'several active addresses are a configuration error');
select is((select x ->> 'address' from rows_b where id = 'b0000000-0000-0000-0000-000000000006'), null,
  'no address is guessed when there are several');
select is((select x ->> 'config_error' from rows_b where id = 'b0000000-0000-0000-0000-000000000007'),
  'wallet has no active address on chain bsc', 'a missing active address is a configuration error');
select is((select x ->> 'config_error' from rows_b where id = 'b0000000-0000-0000-0000-000000000008'),
  'decimals 99 is outside 0..77', 'decimals outside 0..77 are a configuration error');
select is((select x ->> 'config_error' from rows_b where id = 'b0000000-0000-0000-0000-000000000009'),
  'token has no contract_address', 'a token without contract_address is a configuration error');

select is(
  (select count(*)::int from public.wallet_balances
   where id::text in (select id from rows_b)
     and processing_status = 'processing' and locked_by = 'worker-b'
     and locked_until = now() + interval '120 seconds'),
  8, 'claimed rows are processing, locked by the worker, for the default 120 s lease');
select is(
  (select r -> 'chains' -> 'c0000000-0000-0000-0000-00000000000e' from claim_b),
  '{"id": "c0000000-0000-0000-0000-00000000000e", "name": "bsc", "family": "evm",
    "rpc_url": "http://evm", "fallback_rpc_urls": ["http://evm2"],
    "multicall_address": "0xcA11bde05977b3631167028862bE2a173976CA11", "confirmations": 2,
    "evm_chain_id": null, "api_key_env": null, "max_rps": null, "max_concurrency": null}'::jsonb,
  'the chains map carries the chain''s RPC data and family');
select set_eq('select jsonb_object_keys(r -> ''chains'') from claim_b',
  array['c0000000-0000-0000-0000-00000000000e', 'c0000000-0000-0000-0000-00000000000f'],
  'the chains map holds exactly the chains of the claimed rows');

select is(jsonb_array_length(public.balance_sync_claim('worker-c') -> 'rows'), 0,
  'a second claimer gets nothing while the leases are live');

create temp table forced as select public.balance_sync_claim('worker-f',
  p_filter => '{"wallet_id": "e0000000-0000-0000-0000-000000000001"}') as r;
select set_eq('select x ->> ''id'' from forced, jsonb_array_elements(r -> ''rows'') x',
  array['b0000000-0000-0000-0000-000000000002', 'b0000000-0000-0000-0000-000000000012'],
  'a forced claim takes rows that are not due or in backoff');
select set_eq('select jsonb_array_elements_text(r -> ''busy'') from forced',
  array['b0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000003',
        'b0000000-0000-0000-0000-000000000008', 'b0000000-0000-0000-0000-000000000009',
        'b0000000-0000-0000-0000-000000000010', 'b0000000-0000-0000-0000-000000000011',
        'b0000000-0000-0000-0000-000000000013'],
  'a forced claim never takes another worker''s live lease and reports it as busy');
select is(
  (select locked_by from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000010'),
  'other', 'the other worker keeps its lease');

select is(
  jsonb_array_length(public.balance_sync_claim('worker-b',
    p_filter => '{"wallet_balance_ids": ["b0000000-0000-0000-0000-000000000001"]}') -> 'rows'),
  1, 'a forced claim renews the worker''s own live lease');

select throws_ok($$select public.balance_sync_claim('w', p_filter => '{"wallet": "x"}')$$,
  '22023', null, 'an unknown filter key is rejected');
select throws_ok($$select public.balance_sync_claim('w', p_filter => '{"wallet_id": "nope"}')$$,
  '22023', 'balance_sync_claim: filter wallet_id must be a uuid string', 'a malformed filter id is rejected');
select throws_ok($$select public.balance_sync_claim('')$$, '22023', null,
  'an empty worker token is rejected');
select throws_ok(
  $$select public.balance_sync_claim('w', p_filter => '{"wallet_id": "e0000000-0000-0000-0000-0000000000ff"}')$$,
  'P0002', 'wallet e0000000-0000-0000-0000-0000000000ff does not exist',
  'a forced claim of a wallet that does not exist raises no_data_found naming it');
select throws_ok(
  $$select public.balance_sync_claim('w', p_filter => '{"chain_id": "c0000000-0000-0000-0000-0000000000ff"}')$$,
  'P0002', 'chain c0000000-0000-0000-0000-0000000000ff does not exist',
  'a forced claim of a chain that does not exist raises no_data_found naming it');
select is(
  public.balance_sync_claim('worker-u', p_filter => '{"wallet_balance_ids":
    ["b0000000-0000-0000-0000-000000000002", "b0000000-0000-0000-0000-0000000000ff"]}') -> 'unknown_ids',
  '["b0000000-0000-0000-0000-0000000000ff"]'::jsonb,
  'ids that match no row come back as unknown_ids');

select * from finish();
rollback;
