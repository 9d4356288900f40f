-- Schema of balance-sync: the spec's tables and columns, this project's columns, the other
-- workers' columns, and the shape and privileges of the DB contract functions.
begin;
select plan(48);

select has_table('public', t, format('table %s exists', t))
from unnest(array['chains', 'assets', 'asset_on_chain', 'wallets', 'user_wallet_addresses',
                  'wallet_balances']) as t;

select columns_are('public', 'chains', array[
  'id', 'name', 'rpc_url', 'is_active', 'family', 'multicall_address', 'fallback_rpc_urls',
  'confirmations', 'evm_chain_id', 'api_key_env', 'max_rps', 'max_concurrency', 'created_at',
  'updated_at'], 'chains has the spec''s and the project''s columns');
select columns_are('public', 'asset_on_chain', array[
  'id', 'chain_id', 'asset_id', 'contract_address', 'decimals', 'is_native', 'is_active',
  'created_at', 'updated_at'], 'asset_on_chain has the spec''s columns');
select columns_are('public', 'user_wallet_addresses', array[
  'id', 'wallet_id', 'chain_id', 'address', 'is_active', 'created_at', 'updated_at'],
  'user_wallet_addresses has the spec''s columns');
select columns_are('public', 'wallet_balances', array[
  'id', 'wallet_id', 'asset_on_chain_id', 'on_chain_balance_raw', 'on_chain_balance_human',
  'last_checked', 'sync_count', 'error_count', 'last_error', 'last_error_at', 'processing_status',
  'locked_until', 'locked_by', 'created_at', 'updated_at', 'needs_gas', 'needs_consolidation',
  'priority', 'gas_locked_until', 'gas_locked_by', 'consolidation_locked_until',
  'consolidation_locked_by', 'observed_block', 'error_streak', 'error_class', 'next_sync_at'],
  'wallet_balances has the spec''s, the other workers'' and the project''s columns');

select enum_has_labels('public', 'processing_status', array['idle', 'processing'],
  'processing_status is the enum idle/processing');
select col_type_is('public', 'wallet_balances', 'processing_status', 'processing_status',
  'wallet_balances.processing_status uses the enum');
select col_default_is('public', 'wallet_balances', 'processing_status', 'idle'::processing_status,
  'new balance rows start idle');
select col_type_is('public', 'wallet_balances', 'on_chain_balance_raw', 'numeric(78,0)',
  'raw balances hold a full uint256');
select col_type_is('public', 'wallet_balances', 'observed_block', 'numeric(78,0)',
  'observed_block holds any block number');
select col_not_null('public', 'wallet_balances', 'error_streak', 'error_streak is not null');
select col_default_is('public', 'wallet_balances', 'error_streak', 0, 'error_streak starts at 0');
select col_type_is('public', 'chains', 'fallback_rpc_urls', 'text[]', 'fallback_rpc_urls is text[]');
select col_default_is('public', 'chains', 'fallback_rpc_urls', '{}'::text[],
  'fallback_rpc_urls defaults to empty');
select col_default_is('public', 'chains', 'confirmations', 0, 'confirmations defaults to 0');
select col_is_null('public', 'chains', col, format('chains.%s is nullable', col))
from unnest(array['family', 'multicall_address', 'evm_chain_id', 'api_key_env', 'max_rps',
                  'max_concurrency']) as col;

-- Add, never restrict: other apps write these tables too.
select is(
  (select count(*)::int from pg_constraint
   where conrelid in (select oid from pg_class where relnamespace = 'public'::regnamespace
                        and relname in ('chains', 'assets', 'asset_on_chain', 'wallets',
                                        'user_wallet_addresses', 'wallet_balances'))
     and contype <> 'p'),
  0, 'no check and no foreign key on the shared tables, only primary keys');
select lives_ok(
  $$insert into public.chains (name, rpc_url, family) values ('Solana', 'http://x', 'solana')$$,
  'another app may insert a chain of another family');
select lives_ok(
  $$insert into public.wallet_balances (wallet_id, asset_on_chain_id)
    values (gen_random_uuid(), gen_random_uuid())$$,
  'another app may insert a balance row before its wallet and asset_on_chain rows');
select is(
  (select count(*)::int from pg_class as c, aclexplode(c.relacl) as a
   where c.relnamespace = 'public'::regnamespace
     and c.relname in ('chains', 'assets', 'asset_on_chain', 'wallets', 'user_wallet_addresses',
                       'wallet_balances')
     and a.grantee in (select oid from pg_roles where rolname in ('anon', 'authenticated'))),
  0, 'anon and authenticated hold no privilege on the tables the migration created');

select has_index('public', 'wallet_balances', 'wallet_balances_sync_order_idx',
  'claim has an index for stalest-first order');
select has_index('public', 'user_wallet_addresses', 'user_wallet_addresses_wallet_chain_idx',
  'claim has an index for the address lookup');

select has_function('public', 'balance_sync_claim',
  array['text', 'integer', 'integer', 'jsonb', 'integer'], 'balance_sync_claim exists');
select has_function('public', 'balance_sync_record', array['text', 'jsonb'],
  'balance_sync_record exists');
select has_function('public', 'balance_sync_release', array['text', 'uuid[]'],
  'balance_sync_release exists');

select ok(
  (select bool_and(p.prosecdef) from pg_proc p
   where p.pronamespace = 'public'::regnamespace and p.proname like 'balance\_sync\_%'),
  'every contract function is security definer');
select ok(
  (select bool_and(p.proconfig @> array['search_path=""'])
   from pg_proc p
   where p.pronamespace = 'public'::regnamespace and p.proname like 'balance\_sync\_%'),
  'every contract function has a fixed, empty search_path');
select is(
  (select count(*)::int from pg_proc p
   where p.pronamespace = 'public'::regnamespace and p.proname like 'balance\_sync\_%'
     and p.prosrc ~* '(needs_gas|needs_consolidation|priority|gas_locked|consolidation_locked)'),
  0, 'no contract function names a protected column');

select function_privs_are('public', 'balance_sync_claim',
  array['text', 'integer', 'integer', 'jsonb', 'integer'], r, array[]::text[],
  format('%s cannot execute balance_sync_claim', r))
from unnest(array['anon', 'authenticated']) as r;
select function_privs_are('public', 'balance_sync_record', array['text', 'jsonb'], r,
  array[]::text[], format('%s cannot execute balance_sync_record', r))
from unnest(array['anon', 'authenticated']) as r;
select function_privs_are('public', 'balance_sync_release', array['text', 'uuid[]'], r,
  array[]::text[], format('%s cannot execute balance_sync_release', r))
from unnest(array['anon', 'authenticated']) as r;
select function_privs_are('public', 'balance_sync_claim',
  array['text', 'integer', 'integer', 'jsonb', 'integer'], 'service_role', array['EXECUTE'],
  'service_role can execute balance_sync_claim');
select function_privs_are('public', 'balance_sync_record', array['text', 'jsonb'],
  'service_role', array['EXECUTE'], 'service_role can execute balance_sync_record');
select function_privs_are('public', 'balance_sync_release', array['text', 'uuid[]'],
  'service_role', array['EXECUTE'], 'service_role can execute balance_sync_release');
select ok(
  not exists (
    select 1 from pg_proc p, aclexplode(p.proacl) a
    where p.pronamespace = 'public'::regnamespace and p.proname like 'balance\_sync\_%'
      and a.grantee = 0),
  'PUBLIC cannot execute any contract function');

select * from finish();
rollback;
