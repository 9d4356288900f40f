-- balance-sync: index wallet_balances_failing_idx, chain_status's most recent error per chain (a
-- short backward walk over the failing rows). It used to be built inside
-- 20261201000300_balance_sync_run_history.sql, under that file's ACCESS EXCLUSIVE lock.
--
-- Built CONCURRENTLY: other services keep reading and writing the table while it is built (it
-- takes SHARE UPDATE EXCLUSIVE, which no insert, update or delete waits for).
--
-- `supabase db push` sends a file's statements as one pipeline, which PostgreSQL runs as one
-- implicit transaction; only the FIRST statement of a pipeline may be one that cannot run inside
-- a transaction block, and PostgreSQL commits it at once. So the build is this file's first
-- statement, and a file holds one build. The check after it runs in the next transaction, the one
-- the CLI also records this file in: a build that failed (it leaves an INVALID index behind, which
-- `if not exists` would then skip) stops the push, this file stays unapplied, and the message says
-- what to run before `supabase db push` again (README, "Upgrading a live database";
-- balance_sync.require_valid_index is defined in 20261206000200).
create index concurrently if not exists wallet_balances_failing_idx on public.wallet_balances
  (last_error_at desc nulls last)
  where error_streak > 0;

select balance_sync.require_valid_index('public.wallet_balances_failing_idx');
