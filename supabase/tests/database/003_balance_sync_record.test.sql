-- balance_sync_record and balance_sync_release: exactly which columns change, fencing by the
-- worker token, the block guard, per-entry validation.
begin;
select plan(23);

insert into public.chains (id, name, rpc_url, family) values
  ('c0000000-0000-0000-0000-00000000000e', 'bsc', 'http://evm', 'evm');
insert into public.assets (id, symbol) values ('a0000000-0000-0000-0000-000000000001', 'TOK');
insert into public.asset_on_chain (id, chain_id, asset_id, contract_address, decimals, is_native) values
  ('a0c00000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-00000000000e',
   'a0000000-0000-0000-0000-000000000001', '0x55d398326f99059fF775485246999027B3197955', 18, false);
insert into public.wallets (id) values ('e0000000-0000-0000-0000-000000000001');
insert into public.user_wallet_addresses (wallet_id, chain_id, address) values
  ('e0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-00000000000e',
   '0x1111111111111111111111111111111111111111');
insert into public.wallet_balances (id, wallet_id, asset_on_chain_id, on_chain_balance_raw,
    on_chain_balance_human, observed_block, sync_count, error_count, error_streak, last_checked,
    needs_gas, priority, gas_locked_by)
select ('b0000000-0000-0000-0000-0000000000' || lpad(g::text, 2, '0'))::uuid,
       'e0000000-0000-0000-0000-000000000001', 'a0c00000-0000-0000-0000-000000000001',
       7000000000000000000, 7, 200, 3, 1, 2, null, true, 5, 'gas-worker'
from generate_series(1, 8) as g;

select is(jsonb_array_length(public.balance_sync_claim('w1', 7) -> 'rows'), 7, 'w1 leases seven rows');
select is(jsonb_array_length(public.balance_sync_claim('w2', 1) -> 'rows'), 1, 'w2 leases the eighth');

create temp table before as select * from public.wallet_balances;

create temp table result as select public.balance_sync_record('w1', $$[
  {"id": "b0000000-0000-0000-0000-000000000001", "raw": "1500000000000000000", "human": "1.5", "block": "201"},
  {"id": "b0000000-0000-0000-0000-000000000002", "error": "HTTP 503 from rpc", "error_class": "transient"},
  {"id": "b0000000-0000-0000-0000-000000000003", "raw": "1", "human": "0.000000000000000001", "block": "150"},
  {"id": "b0000000-0000-0000-0000-000000000004", "raw": "115792089237316195423570985008687907853269984665640564039457584007913129639935", "human": "115792089237316195423570985008687907853269984665640564039457.584007913129639935", "block": "250"},
  {"id": "b0000000-0000-0000-0000-000000000008", "raw": "5", "human": "0.000000000000000005", "block": "300"},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "-1", "human": "1"},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "12abc", "human": "1"},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "115792089237316195423570985008687907853269984665640564039457584007913129639936", "human": "1"},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": 5, "human": "0.000000000000000005"},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "5"},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "5", "human": "5e-18"},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "5", "human": "0.5", "block": "1"},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "5", "human": "0.000000000000000005", "block": 7},
  {"id": "b0000000-0000-0000-0000-000000000005", "error": "x", "error_class": "fatal"},
  {"id": "b0000000-0000-0000-0000-000000000005", "error": "x"},
  {"id": "b0000000-0000-0000-0000-000000000005", "error": "x", "error_class": "transient", "raw": "1"},
  {"id": "not-a-uuid", "raw": "1", "human": "1"},
  {"raw": "1", "human": "1"},
  {"id": "b0000000-0000-0000-0000-0000000000ff", "raw": "1", "human": "0.000000000000000001", "block": "1"},
  {"id": "b0000000-0000-0000-0000-000000000001", "raw": "2", "human": "0.000000000000000002", "block": "1"},
  42,
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "5", "human": "0.000000000000000005", "block": null},
  {"id": "b0000000-0000-0000-0000-000000000005", "raw": "5", "human": "0.000000000000000005"}
]$$::jsonb) as r;

select is((select r - 'invalid' - 'stale_ids' - 'lost_ids' - 'refused' from result),
  '{"applied": 2, "errored": 1, "stale_rejected": 1, "lost": 1}'::jsonb,
  'record counts applied, errored, stale-rejected and lost entries');
select is((select jsonb_array_length(r -> 'stale_ids') + jsonb_array_length(r -> 'lost_ids') from result),
  2, 'and names the stale-rejected and the lost rows');
select is((select r -> 'invalid' from result), $$[
  {"index": 5, "id": "b0000000-0000-0000-0000-000000000005", "reason": "raw is negative"},
  {"index": 6, "id": "b0000000-0000-0000-0000-000000000005", "reason": "raw is not a non-negative integer"},
  {"index": 7, "id": "b0000000-0000-0000-0000-000000000005", "reason": "raw exceeds 2^256-1"},
  {"index": 8, "id": "b0000000-0000-0000-0000-000000000005", "reason": "raw must be a decimal string"},
  {"index": 9, "id": "b0000000-0000-0000-0000-000000000005", "reason": "missing human"},
  {"index": 10, "id": "b0000000-0000-0000-0000-000000000005", "reason": "human is not a non-negative decimal string"},
  {"index": 11, "id": "b0000000-0000-0000-0000-000000000005", "reason": "human does not equal raw / 10^18"},
  {"index": 12, "id": "b0000000-0000-0000-0000-000000000005", "reason": "block must be a decimal string"},
  {"index": 13, "id": "b0000000-0000-0000-0000-000000000005", "reason": "error_class must be transient, permanent or configuration"},
  {"index": 14, "id": "b0000000-0000-0000-0000-000000000005", "reason": "missing error_class"},
  {"index": 15, "id": "b0000000-0000-0000-0000-000000000005", "reason": "entry has both a balance and an error"},
  {"index": 16, "id": "not-a-uuid", "reason": "id is not a uuid"},
  {"index": 17, "id": null, "reason": "missing id"},
  {"index": 18, "id": "b0000000-0000-0000-0000-0000000000ff", "reason": "unknown id"},
  {"index": 19, "id": "b0000000-0000-0000-0000-000000000001", "reason": "duplicate id in this batch"},
  {"index": 20, "id": null, "reason": "entry is not a JSON object"},
  {"index": 21, "id": "b0000000-0000-0000-0000-000000000005", "reason": "missing block: a balance must name the block it was read at"},
  {"index": 22, "id": "b0000000-0000-0000-0000-000000000005", "reason": "missing block: a balance must name the block it was read at"}
]$$::jsonb, 'every invalid entry is reported with its index, id and reason');

select row_eq(
  $$select on_chain_balance_raw::text, on_chain_balance_human::text, observed_block::text, sync_count,
           error_count, error_streak, last_checked, updated_at, processing_status::text, locked_until, locked_by
    from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000001'$$,
  row('1500000000000000000'::text, '1.5'::text, '201'::text, 4, 1, 0, now(), now(), 'idle'::text,
      null::timestamptz, null::text),
  'a success sets the balance, block, last_checked, sync_count + 1, updated_at, resets the streak and releases');
select is(
  (select on_chain_balance_raw::text from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000004'),
  '115792089237316195423570985008687907853269984665640564039457584007913129639935',
  '2^256-1 is stored exactly');
select is(
  (select observed_block::text from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000004'),
  '250', 'an observation at a higher block applies and becomes the mark');

select row_eq(
  $$select on_chain_balance_raw::text, sync_count, error_count, error_streak, last_error, last_error_at,
           last_checked, processing_status::text, locked_until, locked_by
    from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000002'$$,
  row('7000000000000000000'::text, 3, 2, 3, 'HTTP 503 from rpc'::text, now(), null::timestamptz,
      'idle'::text, null::timestamptz, null::text),
  'a failure sets error_count + 1, last_error, last_error_at, error_streak + 1 and releases');

select row_eq(
  $$select on_chain_balance_raw::text, observed_block::text, sync_count, last_checked,
           processing_status::text, locked_by
    from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000003'$$,
  row('7000000000000000000'::text, '200'::text, 3, null::timestamptz, 'idle'::text, null::text),
  'an observation at a lower block keeps the balance and only releases the lease');

select is(
  (select count(*)::int from public.wallet_balances w join before b using (id)
   where w.id = 'b0000000-0000-0000-0000-000000000008' and row(w.*)::text = row(b.*)::text),
  1, 'a row leased by another worker is not touched at all');
select is(
  (select count(*)::int from public.wallet_balances w join before b using (id)
   where w.id in ('b0000000-0000-0000-0000-000000000005', 'b0000000-0000-0000-0000-000000000006',
                  'b0000000-0000-0000-0000-000000000007')
     and row(w.*)::text = row(b.*)::text),
  3, 'rows with only invalid entries (or none) keep their lease and values');

select is(
  (select count(*)::int from public.wallet_balances w join before b using (id)
   where (w.needs_gas, w.needs_consolidation, w.priority, w.gas_locked_until, w.gas_locked_by,
          w.consolidation_locked_until, w.consolidation_locked_by)
         is not distinct from
         (b.needs_gas, b.needs_consolidation, b.priority, b.gas_locked_until, b.gas_locked_by,
          b.consolidation_locked_until, b.consolidation_locked_by)),
  8, 'the other workers'' columns are unchanged');

select is(public.balance_sync_release('w1', array[
  'b0000000-0000-0000-0000-000000000005', 'b0000000-0000-0000-0000-000000000006',
  'b0000000-0000-0000-0000-000000000008']::uuid[]), 2,
  'release gives back only the worker''s own rows');
select row_eq(
  $$select processing_status::text, locked_until, locked_by, error_count, error_streak
    from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000005'$$,
  row('idle'::text, null::timestamptz, null::text, 1, 2), 'a released row is idle and no error is counted');
select is(
  (select locked_by from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000008'),
  'w2', 'release leaves another worker''s lease alone');

select is(public.balance_sync_record('w1', $$[{"id": "b0000000-0000-0000-0000-000000000001",
  "raw": "9", "human": "0.000000000000000009", "block": "999"}]$$) ->> 'lost', '1',
  'a writer whose lease is gone is counted as lost');
select is(
  (select on_chain_balance_raw::text from public.wallet_balances where id = 'b0000000-0000-0000-0000-000000000001'),
  '1500000000000000000', 'and changes nothing');

select is(public.balance_sync_record('w2', '[]'::jsonb),
  '{"applied": 0, "errored": 0, "stale_rejected": 0, "lost": 0, "stale_ids": [], "lost_ids": [], "invalid": [], "refused": []}'::jsonb,
  'an empty batch is a no-op');
select throws_ok($$select public.balance_sync_record('w1', '{}'::jsonb)$$, '22023',
  'balance_sync_record: p_results must be a JSON array', 'p_results must be an array');
select throws_ok($$select public.balance_sync_record(null, '[]'::jsonb)$$, '22023', null,
  'a missing worker token is rejected');
select is(public.balance_sync_release('w1', null), 0, 'releasing nothing returns 0');
select is(public.balance_sync_release('w2', array['b0000000-0000-0000-0000-000000000008']::uuid[]), 1,
  'the owner can release its row');

select * from finish();
rollback;
