-- Demo data for balance-sync on local chains. Applied by `supabase db reset` (after the
-- migrations) and by `deno task dev`. Safe to apply twice (fixed ids, `on conflict do nothing`).
--
-- Two chains, both local:
--   * "Local EVM (anvil)": anvil, chain id 31337, Multicall3 at its canonical address.
--   * "Local TRON (stand-in)": the java-tron HTTP stand-in from stack/standins/tron_node.ts, with
--     Multicall3 at the address of the community deployment on TRON mainnet (the address is data
--     per chain; TRON has no canonical one).
-- Three assets: ETH (native, 18 decimals), TRX (native, 6), and a demo "USDT" (6 decimals) that
-- exists on both chains as an ERC20 and a TRC20 at the same 20-byte address
-- (0x5FbDB2315678afecb367f032d93F642f64180aa3 = TJhSSbZ8dVqtEiLYgva1WWcV4R4NkRCARH).
-- Four wallets: Alice, Bob and Carol hold an address on each chain (anvil's dev accounts #1-#3,
-- the TRON address being the same key's 41-prefixed form); Dave has no TRON address, so his TRON
-- row shows how a configuration error looks (last_error, error_streak, backoff).
--
-- Nothing here puts code or funds on a chain: `deno task dev` does that (dev/demo_chains.ts; the
-- starting funds are in dev/demo.ts). Run `deno task dev --chains-only` next to `supabase start`
-- to get the same chains without the rest.
--
-- RPC URLs. The function reads them, so they must be reachable from where the function runs:
--   * `supabase start` + `supabase functions serve` (Docker): the function runs in a container, and
--     the CLI maps host.docker.internal to the host, hence the values below. The chains must listen
--     on an address the container can reach (`--chains-only` listens on 0.0.0.0:8545 and
--     0.0.0.0:8090).
--   * `deno task dev`: everything runs on the host; it rewrites rpc_url to
--     http://127.0.0.1:8545 and http://127.0.0.1:8090 (or the ports it got) after seeding.
--   * A function deployed to Supabase cannot reach your machine: use real RPC endpoints there.
--
-- The function URL that pg_cron calls (Vault secret balance_sync_function_url) is, under
-- `supabase start`, the API gateway as the database container reaches it. The caller secret
-- (balance_sync_secret) is not seeded: see README, "Develop with supabase start (Docker)".

insert into public.chains (id, name, family, rpc_url, multicall_address, evm_chain_id,
                           confirmations, is_active)
values
  ('5eedc4a1-0000-4000-8000-000000000001', 'Local EVM (anvil)', 'evm',
   'http://host.docker.internal:8545', '0xcA11bde05977b3631167028862bE2a173976CA11', 31337, 0, true),
  ('5eedc4a1-0000-4000-8000-000000000002', 'Local TRON (stand-in)', 'tron',
   'http://host.docker.internal:8090', 'TEazPvZwDjDtFeJupyo7QunvnrnUjPH8ED', null, 0, true)
on conflict (id) do nothing;

insert into public.assets (id, symbol, name)
values
  ('5eeda55e-0000-4000-8000-000000000001', 'ETH', 'Ether'),
  ('5eeda55e-0000-4000-8000-000000000002', 'TRX', 'Tronix'),
  ('5eeda55e-0000-4000-8000-000000000003', 'USDT', 'Demo Tether USD')
on conflict (id) do nothing;

insert into public.asset_on_chain (id, chain_id, asset_id, contract_address, decimals, is_native,
                                   is_active)
values
  ('5eeda0c0-0000-4000-8000-000000000001', '5eedc4a1-0000-4000-8000-000000000001',
   '5eeda55e-0000-4000-8000-000000000001', null, 18, true, true),
  ('5eeda0c0-0000-4000-8000-000000000002', '5eedc4a1-0000-4000-8000-000000000001',
   '5eeda55e-0000-4000-8000-000000000003', '0x5FbDB2315678afecb367f032d93F642f64180aa3', 6, false,
   true),
  ('5eeda0c0-0000-4000-8000-000000000003', '5eedc4a1-0000-4000-8000-000000000002',
   '5eeda55e-0000-4000-8000-000000000002', null, 6, true, true),
  ('5eeda0c0-0000-4000-8000-000000000004', '5eedc4a1-0000-4000-8000-000000000002',
   '5eeda55e-0000-4000-8000-000000000003', 'TJhSSbZ8dVqtEiLYgva1WWcV4R4NkRCARH', 6, false, true)
on conflict (id) do nothing;

insert into public.wallets (id, label)
values
  ('5eed1000-0000-4000-8000-000000000001', 'Alice'),
  ('5eed1000-0000-4000-8000-000000000002', 'Bob'),
  ('5eed1000-0000-4000-8000-000000000003', 'Carol'),
  ('5eed1000-0000-4000-8000-000000000004', 'Dave')
on conflict (id) do nothing;

-- Address ids: 5eed2000-...-0000000000<wallet><chain>.
insert into public.user_wallet_addresses (id, wallet_id, chain_id, address, is_active)
values
  ('5eed2000-0000-4000-8000-000000000011', '5eed1000-0000-4000-8000-000000000001',
   '5eedc4a1-0000-4000-8000-000000000001', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', true),
  ('5eed2000-0000-4000-8000-000000000012', '5eed1000-0000-4000-8000-000000000001',
   '5eedc4a1-0000-4000-8000-000000000002', 'TLEaY8XoqpBmndLsjcfThgdKLN1ssNuUcF', true),
  ('5eed2000-0000-4000-8000-000000000021', '5eed1000-0000-4000-8000-000000000002',
   '5eedc4a1-0000-4000-8000-000000000001', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', true),
  ('5eed2000-0000-4000-8000-000000000022', '5eed1000-0000-4000-8000-000000000002',
   '5eedc4a1-0000-4000-8000-000000000002', 'TFTsyAaajS3DTEbekme2wm9fNcypguDHp4', true),
  ('5eed2000-0000-4000-8000-000000000031', '5eed1000-0000-4000-8000-000000000003',
   '5eedc4a1-0000-4000-8000-000000000001', '0x90F79bf6EB2c4f870365E785982E1f101E93b906', true),
  ('5eed2000-0000-4000-8000-000000000032', '5eed1000-0000-4000-8000-000000000003',
   '5eedc4a1-0000-4000-8000-000000000002', 'TPBivseBCFmG8AEL38DJ4hxrFMQteENxDz', true),
  ('5eed2000-0000-4000-8000-000000000041', '5eed1000-0000-4000-8000-000000000004',
   '5eedc4a1-0000-4000-8000-000000000001', '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65', true)
on conflict (id) do nothing;

-- Balance ids: 5eedb000-...-0000000000<wallet><asset_on_chain>.
insert into public.wallet_balances (id, wallet_id, asset_on_chain_id)
select format('5eedb000-0000-4000-8000-0000000000%s%s', w, a)::uuid,
       format('5eed1000-0000-4000-8000-00000000000%s', w)::uuid,
       format('5eeda0c0-0000-4000-8000-00000000000%s', a)::uuid
from generate_series(1, 3) as w, generate_series(1, 4) as a
union all
select '5eedb000-0000-4000-8000-000000000042', '5eed1000-0000-4000-8000-000000000004',
       '5eeda0c0-0000-4000-8000-000000000002'
union all
select '5eedb000-0000-4000-8000-000000000044', '5eed1000-0000-4000-8000-000000000004',
       '5eeda0c0-0000-4000-8000-000000000004'
on conflict (id) do nothing;

-- The function URL as seen from the database container of `supabase start` (Kong's network
-- alias). `deno task dev` replaces it with its own URL.
do $$
begin
  if not exists (select 1 from vault.secrets where name = 'balance_sync_function_url') then
    perform vault.create_secret('http://api.supabase.internal:8000/functions/v1/balance-sync',
                                'balance_sync_function_url',
                                'balance-sync Edge Function URL that pg_cron calls (local stack)');
  end if;
end
$$;
