-- balance-sync: signed webhooks for balance changes.
--
--   balance_sync.webhook_endpoints     one row per receiver: URL, filter, Vault secret name, its
--                                      cursor in the change log, its pending batch, its backoff
--   balance_sync.webhook_create / _set_filter / _set_url / _enable / _disable / _delete
--                                      management, service_role only
--   public.balance_sync_webhook_claim / _batch / _result / _release
--                                      what the Edge Function calls to deliver (service_role only)
--   balance_sync.webhook_status        per endpoint: cursor, lag, last answer, next retry, reason
--   balance_sync.webhook_metrics()     Prometheus lines: deliveries by result, lag per endpoint
--   balance_sync.dispatch_webhooks()   the pg_cron job balance-sync-webhooks (every 30 s): one
--                                      POST {"webhooks": true} to the function when work is due
--   balance_sync.prune_balance_changes redefined: never deletes a change an enabled endpoint has
--                                      not received
--
-- Delivery happens in the function (it signs with the Standard Webhooks library). The database
-- holds every piece of state, so a function restart, a lost pg_net request or a receiver that is
-- down for hours loses nothing: the cursor advances only when a 2xx answer is recorded, and a
-- batch, once formed, is kept (its range and its webhook-id) until it is acknowledged.
-- balance_sync_record is not touched: recording pays nothing for webhooks.

set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists balance_sync.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  url text not null,
  secret_name text not null,
  chain_ids uuid[],
  wallet_ids uuid[],
  asset_on_chain_ids uuid[],
  enabled boolean not null default true,
  disabled_reason text,
  disabled_at timestamptz,
  -- the cursor: every change with id <= delivered_through is acknowledged (or filtered out)
  delivered_through bigint not null default 0,
  -- the pending batch: (batch_after, batch_through] under the filter, sent as batch_webhook_id
  batch_webhook_id text,
  batch_after bigint,
  batch_through bigint,
  batch_count integer,
  batch_created_at timestamptz,
  failures integer not null default 0,
  failing_since timestamptz,
  next_attempt_at timestamptz not null default now(),
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  last_success_at timestamptz,
  locked_by text,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table balance_sync.webhook_endpoints is
$$Receivers of signed balance-change webhooks (README, "Webhooks"). Manage them with
balance_sync.webhook_create / webhook_set_filter / webhook_set_url / webhook_enable /
webhook_disable / webhook_delete; read them through balance_sync.webhook_status. secret_name is
the name of a Vault secret (the signing key, whsec_<base64>), never the key itself.$$;

create index if not exists webhook_endpoints_due_idx
  on balance_sync.webhook_endpoints (next_attempt_at) where enabled;

alter table balance_sync.webhook_endpoints enable row level security;
revoke all on table balance_sync.webhook_endpoints from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.webhook_endpoints from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select on table balance_sync.webhook_endpoints to service_role;
  end if;
end
$$;

insert into balance_sync.settings (key, value, description) values
  ('webhook_batch_size', '500', 'Changes per webhook POST at most (1..1000).'),
  ('webhook_backoff_base_seconds', '30',
   'Wait after the first failed delivery of a batch; doubled after each further failure.'),
  ('webhook_backoff_max_seconds', '3600', 'Longest wait between two delivery attempts.'),
  ('webhook_disable_after', '"3 days"',
   'An endpoint that has failed for this long without a 2xx is disabled, with the reason.'),
  ('webhook_timeout_ms', '10000', 'Timeout of one webhook POST.'),
  ('webhook_allow_http', 'false',
   'true: endpoints may use http:// URLs (local development only).'),
  ('webhook_allow_private_addresses', 'false',
   'true: endpoints may point at loopback, private, link-local and metadata addresses (local '
   'development only).')
on conflict (key) do nothing;

insert into balance_sync.setting_rules (key, kind, minimum, minimum_inclusive, maximum) values
  ('webhook_batch_size', 'integer', 1, true, 1000),
  ('webhook_backoff_base_seconds', 'number', 0, false, null),
  ('webhook_backoff_max_seconds', 'number', 0, false, null),
  ('webhook_disable_after', 'interval', 0, false, null),
  ('webhook_timeout_ms', 'integer', 1, true, 120000)
on conflict (key) do nothing;

create or replace function balance_sync.setting_flag(p_key text)
  returns boolean
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select coalesce(lower(balance_sync.setting(p_key, 'false'::jsonb) #>> '{}') = 'true', false)
$$;

comment on function balance_sync.setting_flag(text) is
  'A true/false setting: true only for the JSON value true or the string "true".';

-- Why a URL may not be a webhook endpoint, or null. The function checks again at each delivery,
-- after resolving the host name (a name can point at a private address; SQL cannot resolve it).
create or replace function balance_sync.webhook_url_problem(p_url text)
  returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
declare
  v_parts text[];
  v_host text;
  v_addr inet;
  v_private boolean := balance_sync.setting_flag('webhook_allow_private_addresses');
begin
  if p_url is null or length(p_url) > 2000 or p_url ~ '[\s\x00-\x1f]' then
    return 'the URL is empty, longer than 2000 characters or holds blanks or control characters';
  end if;
  v_parts := regexp_match(p_url,
    '^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*@)?(\[[0-9A-Fa-f:.]+\]|[^/?#:\[\]]+)(:[0-9]{1,5})?([/?#].*)?$');
  if v_parts is null then
    return 'the URL is not of the form https://host[:port]/path';
  end if;
  if lower(v_parts[1]) not in ('https', 'http') then
    return format('the scheme %s is not allowed; use https', v_parts[1]);
  end if;
  if lower(v_parts[1]) = 'http' and not balance_sync.setting_flag('webhook_allow_http') then
    return 'http:// is refused; use https (the setting webhook_allow_http allows http for local development)';
  end if;
  if v_parts[2] is not null then
    return 'credentials in the URL are refused (they would show in webhook_status); authenticate with the signature';
  end if;
  if v_private then
    return null;
  end if;
  v_host := lower(rtrim(btrim(v_parts[3], '[]'), '.'));
  begin
    v_addr := v_host::inet;
  exception
    when others then
      v_addr := null;
  end;
  if v_addr is null and v_host ~ '^[0-9a-fx.]+$' and v_host !~ '[g-wyz]' and v_host ~ '^(0x)?[0-9]' then
    -- 2130706433, 0x7f.1, 127.1: WHATWG URL parsers (fetch) read these as IPv4 addresses
    return format('the host %s is a numeric address in a non-standard form; write it as a.b.c.d', v_host);
  end if;
  if v_addr is null then
    if v_host = 'localhost' or v_host like '%.localhost' or v_host like '%.local'
       or v_host like '%.internal' or v_host like '%.localdomain' or v_host !~ '\.' then
      return format('the host %s is a local name (loopback, private or metadata service); '
                    'the setting webhook_allow_private_addresses allows it for local development', v_host);
    end if;
    return null;
  end if;
  return case when balance_sync.webhook_address_private(v_addr)
    then format('the address %s is loopback, private, link-local, metadata or reserved; the '
                'setting webhook_allow_private_addresses allows it for local development', host(v_addr))
  end;
end
$$;

comment on function balance_sync.webhook_url_problem(text) is
$$Why p_url cannot be a webhook endpoint (scheme, credentials, a loopback/private/link-local/
metadata/reserved address or local name), or null when it can. http is allowed only with the
setting webhook_allow_http, local addresses only with webhook_allow_private_addresses.$$;

create or replace function balance_sync.webhook_address_private(p_addr inet)
  returns boolean
  language sql
  immutable
  set search_path = ''
as $$
  select case when family(p_addr) = 4 then
    p_addr << any (array['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8',
                         '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
                         '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
                         '224.0.0.0/4', '240.0.0.0/4']::inet[])
  else
    p_addr << any (array['::/128', '::1/128', '::ffff:0:0/96', '64:ff9b::/96', '100::/64',
                         '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8']::inet[])
    or p_addr = '::'::inet or p_addr = '::1'::inet
  end
$$;

comment on function balance_sync.webhook_address_private(inet) is
  'True for addresses a webhook must not reach: loopback, private, carrier NAT, link-local (cloud metadata 169.254.169.254), documentation, multicast, reserved, IPv4-mapped IPv6.';

create or replace function balance_sync.webhook_check_secret(p_secret_name text)
  returns void
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
declare
  v_secret text;
  v_bytes bytea;
begin
  select s.decrypted_secret into v_secret from vault.decrypted_secrets as s where s.name = p_secret_name;
  if v_secret is null then
    raise exception using errcode = '22023',
      message = format('balance_sync webhook: no Vault secret named %L', p_secret_name),
      hint = 'select vault.create_secret(''whsec_<base64 of 24..64 random bytes>'', ''<name>'')';
  end if;
  begin
    v_bytes := decode(regexp_replace(btrim(v_secret), '^whsec_', ''), 'base64');
  exception
    when others then
      v_bytes := null;
  end;
  -- the message never holds the secret
  if v_bytes is null or length(v_bytes) < 24 or length(v_bytes) > 64 then
    raise exception using errcode = '22023',
      message = format('balance_sync webhook: Vault secret %L is not whsec_<base64 of 24..64 bytes>',
                       p_secret_name);
  end if;
end
$$;

create or replace function balance_sync.webhook_check_filter(p_name text, p_ids uuid[])
  returns void
  language plpgsql
  immutable
  set search_path = ''
as $$
begin
  if p_ids is not null and (cardinality(p_ids) = 0 or array_position(p_ids, null) is not null) then
    raise exception using errcode = '22023',
      message = format('balance_sync webhook: %s must be null (no filter) or a non-empty list of ids', p_name);
  end if;
end
$$;

create or replace function balance_sync.webhook_create(
  p_url text,
  p_secret_name text,
  p_chain_ids uuid[] default null,
  p_wallet_ids uuid[] default null,
  p_asset_on_chain_ids uuid[] default null,
  p_from_id bigint default null
)
  returns uuid
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_problem text := balance_sync.webhook_url_problem(p_url);
  v_id uuid;
begin
  if v_problem is not null then
    raise exception using errcode = '22023', message = 'balance_sync webhook: ' || v_problem;
  end if;
  perform balance_sync.webhook_check_secret(p_secret_name);
  perform balance_sync.webhook_check_filter('p_chain_ids', p_chain_ids);
  perform balance_sync.webhook_check_filter('p_wallet_ids', p_wallet_ids);
  perform balance_sync.webhook_check_filter('p_asset_on_chain_ids', p_asset_on_chain_ids);
  insert into balance_sync.webhook_endpoints
    (url, secret_name, chain_ids, wallet_ids, asset_on_chain_ids, delivered_through)
  values (p_url, p_secret_name, p_chain_ids, p_wallet_ids, p_asset_on_chain_ids,
          greatest(0, coalesce(p_from_id,
            (select max(bc.id) from balance_sync.balance_changes as bc), 0)))
  returning id into v_id;
  return v_id;
end
$$;

comment on function balance_sync.webhook_create(text, text, uuid[], uuid[], uuid[], bigint) is
$$Adds an enabled webhook endpoint and returns its id. p_url: https (see webhook_url_problem);
p_secret_name: a Vault secret holding whsec_<base64 of 24..64 bytes>; filters: null = all,
otherwise only changes whose chain_id / wallet_id / asset_on_chain_id is in the list (all given
filters must match). p_from_id: deliver changes with id > p_from_id (default: only changes
recorded from now on; 0: everything still in the change log).$$;

create or replace function balance_sync.webhook_set_filter(
  p_id uuid,
  p_chain_ids uuid[] default null,
  p_wallet_ids uuid[] default null,
  p_asset_on_chain_ids uuid[] default null
)
  returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
begin
  perform balance_sync.webhook_check_filter('p_chain_ids', p_chain_ids);
  perform balance_sync.webhook_check_filter('p_wallet_ids', p_wallet_ids);
  perform balance_sync.webhook_check_filter('p_asset_on_chain_ids', p_asset_on_chain_ids);
  -- a pending batch was formed under the old filter: it is formed anew (with a new webhook-id)
  update balance_sync.webhook_endpoints as e
  set chain_ids = p_chain_ids, wallet_ids = p_wallet_ids, asset_on_chain_ids = p_asset_on_chain_ids,
      batch_webhook_id = null, batch_after = null, batch_through = null, batch_count = null,
      batch_created_at = null, updated_at = now()
  where e.id = p_id;
  if not found then
    raise exception using errcode = 'P0002', message = format('balance_sync webhook %s does not exist', p_id);
  end if;
end
$$;

create or replace function balance_sync.webhook_set_url(p_id uuid, p_url text, p_secret_name text default null)
  returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_problem text := balance_sync.webhook_url_problem(p_url);
begin
  if v_problem is not null then
    raise exception using errcode = '22023', message = 'balance_sync webhook: ' || v_problem;
  end if;
  if p_secret_name is not null then
    perform balance_sync.webhook_check_secret(p_secret_name);
  end if;
  update balance_sync.webhook_endpoints as e
  set url = p_url, secret_name = coalesce(p_secret_name, e.secret_name), updated_at = now()
  where e.id = p_id;
  if not found then
    raise exception using errcode = 'P0002', message = format('balance_sync webhook %s does not exist', p_id);
  end if;
end
$$;

-- Enabling starts afresh: no failure streak, the next tick delivers. The cursor stays where it was.
create or replace function balance_sync.webhook_enable(p_id uuid)
  returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
begin
  update balance_sync.webhook_endpoints as e
  set enabled = true, disabled_reason = null, disabled_at = null, failures = 0,
      failing_since = null, next_attempt_at = now(), updated_at = now()
  where e.id = p_id;
  if not found then
    raise exception using errcode = 'P0002', message = format('balance_sync webhook %s does not exist', p_id);
  end if;
end
$$;

create or replace function balance_sync.webhook_disable(p_id uuid, p_reason text default 'disabled by an operator')
  returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
begin
  update balance_sync.webhook_endpoints as e
  set enabled = false, disabled_reason = left(coalesce(p_reason, 'disabled by an operator'), 500),
      disabled_at = now(), locked_by = null, locked_until = null, updated_at = now()
  where e.id = p_id;
  if not found then
    raise exception using errcode = 'P0002', message = format('balance_sync webhook %s does not exist', p_id);
  end if;
end
$$;

create or replace function balance_sync.webhook_delete(p_id uuid)
  returns boolean
  language sql
  volatile
  security definer
  set search_path = ''
as $$
  with d as (delete from balance_sync.webhook_endpoints as e where e.id = p_id returning 1)
  select exists (select 1 from d)
$$;

-- The function's side -------------------------------------------------------------------------

-- Leases up to p_limit enabled endpoints whose retry time has come and that have something to
-- send (a pending batch, or changes after their cursor). One holder per endpoint at a time: that
-- is what keeps each endpoint's deliveries in order.
create or replace function public.balance_sync_webhook_claim(
  p_worker text,
  p_lease_seconds integer default 60,
  p_limit integer default 50
)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_head bigint := coalesce((select max(bc.id) from balance_sync.balance_changes as bc), 0);
  v_ids jsonb;
begin
  if p_worker is null or p_worker = '' or p_lease_seconds is null or p_lease_seconds < 1
     or p_limit is null or p_limit < 1 then
    raise exception using errcode = '22023',
      message = 'balance_sync_webhook_claim: p_worker must be set, p_lease_seconds and p_limit >= 1';
  end if;
  with picked as (
    select e.id
    from balance_sync.webhook_endpoints as e
    where e.enabled and e.next_attempt_at <= now()
      and (e.locked_until is null or e.locked_until < now())
      and (e.batch_webhook_id is not null or e.delivered_through < v_head)
    order by e.next_attempt_at, e.id
    limit p_limit
    for update skip locked
  ),
  leased as (
    update balance_sync.webhook_endpoints as e
    set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds)
    from picked
    where e.id = picked.id
    returning e.id
  )
  select coalesce(jsonb_agg(leased.id order by leased.id), '[]'::jsonb) into v_ids from leased;
  return v_ids;
end
$$;

comment on function public.balance_sync_webhook_claim(text, integer, integer) is
$$Leases (p_lease_seconds) up to p_limit enabled webhook endpoints that are due and have
something to deliver, for run p_worker. Returns their ids as a JSON array. service_role only.$$;

-- The next batch of a leased endpoint: the pending one again (same range, same webhook-id), or a
-- new one of at most webhook_batch_size changes after the cursor, under the endpoint's filter.
-- Ranges with no matching change move the cursor without a delivery.
-- Answer: {"held": false} (lease lost), {"held": true, "done": true} (nothing left; the lease is
-- given back), or {"held": true, "done": false, "webhook_id", "timestamp", "url", "secret",
-- "payload", "count", "allow_http", "allow_private", "timeout_ms"}. The secret goes to the function
-- only (service_role), which signs with it and never logs it.
create or replace function public.balance_sync_webhook_batch(p_endpoint uuid, p_worker text)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  e balance_sync.webhook_endpoints;
  v_size integer := balance_sync.setting_number('webhook_batch_size', 500);
  v_head bigint;
  v_window_end bigint;
  v_through bigint;
  v_count integer;
  v_rows jsonb;
  v_secret text;
begin
  select * into e from balance_sync.webhook_endpoints as w
  where w.id = p_endpoint and w.locked_by = p_worker and w.locked_until >= now() and w.enabled
  for update;
  if not found then
    return jsonb_build_object('held', false);
  end if;

  if e.batch_webhook_id is null then
    v_head := coalesce((select max(bc.id) from balance_sync.balance_changes as bc), 0);
    -- A sparse filter scans at most 20 windows of 100,000 ids per call.
    for i in 1..20 loop
      exit when e.delivered_through >= v_head;
      v_window_end := least(v_head, e.delivered_through + 100000);
      select max(s.id), count(*) into v_through, v_count
      from (
        select bc.id
        from balance_sync.balance_changes as bc
        where bc.id > e.delivered_through and bc.id <= v_window_end
          and (e.chain_ids is null or bc.chain_id = any (e.chain_ids))
          and (e.wallet_ids is null or bc.wallet_id = any (e.wallet_ids))
          and (e.asset_on_chain_ids is null or bc.asset_on_chain_id = any (e.asset_on_chain_ids))
        order by bc.id
        limit v_size
      ) as s;
      if v_count > 0 then
        -- a full batch ends at its last change; a short one takes the rest of the window along
        e.batch_through := case when v_count = v_size then v_through else v_window_end end;
        e.batch_after := e.delivered_through;
        e.batch_count := v_count;
        e.batch_created_at := now();
        e.batch_webhook_id := format('msg_%s_%s_%s', replace(e.id::text, '-', ''),
                                     e.batch_after, e.batch_through);
        update balance_sync.webhook_endpoints as w
        set batch_webhook_id = e.batch_webhook_id, batch_after = e.batch_after,
            batch_through = e.batch_through, batch_count = e.batch_count,
            batch_created_at = e.batch_created_at
        where w.id = e.id;
        exit;
      end if;
      e.delivered_through := v_window_end;
      update balance_sync.webhook_endpoints as w
      set delivered_through = v_window_end where w.id = e.id;
    end loop;
    if e.batch_webhook_id is null then
      if e.delivered_through >= v_head then
        update balance_sync.webhook_endpoints as w
        set locked_by = null, locked_until = null where w.id = e.id;
        return jsonb_build_object('held', true, 'done', true);
      end if;
      return jsonb_build_object('held', true, 'done', false, 'webhook_id', null);
    end if;
  end if;

  select coalesce(jsonb_agg(balance_sync.balance_change_json(bc) order by bc.id), '[]'::jsonb)
  into v_rows
  from balance_sync.balance_changes as bc
  where bc.id > e.batch_after and bc.id <= e.batch_through
    and (e.chain_ids is null or bc.chain_id = any (e.chain_ids))
    and (e.wallet_ids is null or bc.wallet_id = any (e.wallet_ids))
    and (e.asset_on_chain_ids is null or bc.asset_on_chain_id = any (e.asset_on_chain_ids));

  select btrim(s.decrypted_secret) into v_secret
  from vault.decrypted_secrets as s where s.name = e.secret_name;

  return jsonb_build_object(
    'held', true,
    'done', false,
    'webhook_id', e.batch_webhook_id,
    'url', e.url,
    'secret', v_secret,
    'secret_name', e.secret_name,
    'count', jsonb_array_length(v_rows),
    'payload', jsonb_build_object(
      'type', 'balance_sync.changes',
      'timestamp', e.batch_created_at,
      'data', jsonb_build_object(
        'endpoint_id', e.id,
        'after_id', e.batch_after,
        'through_id', e.batch_through,
        'changes', v_rows)),
    'allow_http', balance_sync.setting_flag('webhook_allow_http'),
    'allow_private', balance_sync.setting_flag('webhook_allow_private_addresses'),
    'timeout_ms', balance_sync.setting_number('webhook_timeout_ms', 10000));
end
$$;

comment on function public.balance_sync_webhook_batch(uuid, text) is
$$The batch a leased webhook endpoint is to receive next (the pending one again until it is
acknowledged: same range, same webhook_id), with the signing secret, for run p_worker.
service_role only; its answer holds a secret and is never logged.$$;

-- The answer to one delivery: 2xx moves the cursor past the batch; anything else (p_status null:
-- no answer, p_error says why) counts a failure, sets the next attempt by exponential backoff and
-- gives the lease back; failing for webhook_disable_after disables the endpoint with the reason.
create or replace function public.balance_sync_webhook_result(
  p_endpoint uuid,
  p_worker text,
  p_webhook_id text,
  p_status integer,
  p_error text default null,
  p_result text default null
)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  e balance_sync.webhook_endpoints;
  v_base numeric := balance_sync.setting_number('webhook_backoff_base_seconds', 30);
  v_max numeric := balance_sync.setting_number('webhook_backoff_max_seconds', 3600);
  v_disable_after interval := balance_sync.setting_interval('webhook_disable_after', '3 days');
  v_wait numeric;
  v_result text;
  v_reason text;
begin
  select * into e from balance_sync.webhook_endpoints as w
  where w.id = p_endpoint and w.locked_by = p_worker
  for update;
  if not found or e.batch_webhook_id is distinct from p_webhook_id then
    return jsonb_build_object('accepted', false);
  end if;

  if p_status between 200 and 299 then
    update balance_sync.webhook_endpoints as w
    set delivered_through = e.batch_through, batch_webhook_id = null, batch_after = null,
        batch_through = null, batch_count = null, batch_created_at = null, failures = 0,
        failing_since = null, next_attempt_at = now(), last_attempt_at = now(),
        last_status = p_status, last_error = null, last_success_at = now()
    where w.id = e.id;
    insert into balance_sync.run_totals as t (metric, label, value)
    values ('webhook_deliveries', 'success', 1), ('webhook_changes_delivered', '', e.batch_count)
    on conflict (metric, label) do update set value = t.value + excluded.value;
    return jsonb_build_object('accepted', true, 'advanced', true, 'delivered_through', e.batch_through);
  end if;

  v_result := case when p_result in ('http_error', 'no_answer', 'refused') then p_result
                   when p_status is null then 'no_answer' else 'http_error' end;
  v_wait := least(v_max, v_base * power(2::numeric, least(e.failures, 40)));
  e.failing_since := coalesce(e.failing_since, now());
  if now() - e.failing_since >= v_disable_after then
    v_reason := format('failing since %s (%s attempts without a 2xx answer; last: %s)',
                       to_char(e.failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       e.failures + 1,
                       coalesce('HTTP ' || p_status, left(coalesce(p_error, 'no answer'), 200)));
  end if;
  update balance_sync.webhook_endpoints as w
  set failures = e.failures + 1, failing_since = e.failing_since,
      next_attempt_at = now() + make_interval(secs => v_wait), last_attempt_at = now(),
      last_status = p_status, last_error = left(p_error, 500),
      locked_by = null, locked_until = null,
      enabled = v_reason is null, disabled_reason = v_reason,
      disabled_at = case when v_reason is not null then now() end
  where w.id = e.id;
  insert into balance_sync.run_totals as t (metric, label, value)
  values ('webhook_deliveries', v_result, 1)
  on conflict (metric, label) do update set value = t.value + excluded.value;
  return jsonb_build_object('accepted', true, 'advanced', false,
                            'next_attempt_at', now() + make_interval(secs => v_wait),
                            'disabled', v_reason is not null);
end
$$;

comment on function public.balance_sync_webhook_result(uuid, text, text, integer, text, text) is
$$Records the answer to a delivery of batch p_webhook_id by run p_worker: a 2xx moves the cursor
past the batch; anything else counts a failure (p_result: http_error, no_answer or refused),
waits webhook_backoff_base_seconds * 2^(failures-1) up to webhook_backoff_max_seconds, gives the
lease back, and disables an endpoint that has failed for webhook_disable_after.$$;

create or replace function public.balance_sync_webhook_release(p_endpoint uuid, p_worker text)
  returns boolean
  language sql
  volatile
  security definer
  set search_path = ''
as $$
  with r as (
    update balance_sync.webhook_endpoints as w
    set locked_by = null, locked_until = null
    where w.id = p_endpoint and w.locked_by = p_worker
    returning 1)
  select exists (select 1 from r)
$$;

comment on function public.balance_sync_webhook_release(uuid, text) is
  'Gives back the lease of run p_worker on a webhook endpoint (its budget is spent). service_role only.';

-- Observability ----------------------------------------------------------------------------------

create or replace view balance_sync.webhook_status as
select
  e.id,
  e.url,
  e.secret_name,
  e.enabled,
  e.disabled_reason,
  e.disabled_at,
  e.chain_ids,
  e.wallet_ids,
  e.asset_on_chain_ids,
  e.delivered_through as cursor,
  (select count(*) from (select 1 from balance_sync.balance_changes as bc
                         where bc.id > e.delivered_through limit 100000) as l) as lag_changes,
  coalesce(extract(epoch from now() - (
    select bc.observed_at from balance_sync.balance_changes as bc
    where bc.id > e.delivered_through order by bc.id limit 1)), 0)::numeric(20, 3) as lag_seconds,
  e.batch_webhook_id as pending_webhook_id,
  e.batch_count as pending_changes,
  e.failures,
  e.failing_since,
  e.last_attempt_at,
  e.last_status,
  e.last_error,
  e.last_success_at,
  case when e.enabled then greatest(e.next_attempt_at, now()) end as next_attempt_at,
  e.locked_until is not null and e.locked_until >= now() as delivering
from balance_sync.webhook_endpoints as e;

comment on view balance_sync.webhook_status is
$$Per webhook endpoint: its cursor (every change up to it is acknowledged), its lag (change-log
rows after the cursor, counted up to 100,000, and the age of the oldest of them in seconds), the
pending batch, the last answer (last_status: HTTP status, null with last_error when there was no
answer), the next attempt, and why it is disabled. No secret: secret_name is a Vault name.$$;

revoke all on table balance_sync.webhook_status from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table balance_sync.webhook_status from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select on table balance_sync.webhook_status to service_role;
  end if;
end
$$;

create or replace function balance_sync.webhook_metrics()
  returns text
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select
    E'# HELP balance_sync_webhook_deliveries_total Webhook deliveries by result: success (2xx), http_error (another status), no_answer (timeout, refused connection), refused (the address is not allowed).\n'
    || E'# TYPE balance_sync_webhook_deliveries_total counter\n'
    || (select string_agg(format('balance_sync_webhook_deliveries_total{result="%s"} %s', r.result,
                                 coalesce(t.value, 0)), E'\n' order by r.ord) || E'\n'
        from (values (1, 'success'), (2, 'http_error'), (3, 'no_answer'), (4, 'refused')) as r(ord, result)
        left join balance_sync.run_totals as t on t.metric = 'webhook_deliveries' and t.label = r.result)
    || E'# HELP balance_sync_webhook_changes_delivered_total Changes acknowledged by webhook receivers.\n'
    || E'# TYPE balance_sync_webhook_changes_delivered_total counter\n'
    || format(E'balance_sync_webhook_changes_delivered_total %s\n', coalesce(
         (select t.value from balance_sync.run_totals as t
          where t.metric = 'webhook_changes_delivered' and t.label = ''), 0))
    || E'# HELP balance_sync_webhook_lag_changes Change-log rows after the endpoint''s cursor (up to 100,000).\n'
    || E'# TYPE balance_sync_webhook_lag_changes gauge\n'
    || coalesce((select string_agg(format('balance_sync_webhook_lag_changes{endpoint_id="%s",enabled="%s"} %s',
                                          s.id, s.enabled::text, s.lag_changes), E'\n' order by s.id) || E'\n'
                 from balance_sync.webhook_status as s), '')
    || E'# HELP balance_sync_webhook_lag_seconds Age of the oldest change the endpoint has not acknowledged.\n'
    || E'# TYPE balance_sync_webhook_lag_seconds gauge\n'
    || coalesce((select string_agg(format('balance_sync_webhook_lag_seconds{endpoint_id="%s",enabled="%s"} %s',
                                          s.id, s.enabled::text, s.lag_seconds), E'\n' order by s.id) || E'\n'
                 from balance_sync.webhook_status as s), '')
$$;

comment on function balance_sync.webhook_metrics() is
$$Prometheus text (0.0.4) for webhooks: balance_sync_webhook_deliveries_total{result},
balance_sync_webhook_changes_delivered_total, balance_sync_webhook_lag_changes{endpoint_id} and
balance_sync_webhook_lag_seconds{endpoint_id}. Appended to public.balance_sync_metrics().$$;

-- Scheduling -------------------------------------------------------------------------------------

-- One POST {"webhooks": true} to the function when an enabled endpoint is due and has something to
-- send; nothing otherwise. Same Vault secrets as balance_sync.dispatch.
create or replace function balance_sync.dispatch_webhooks()
  returns bigint
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_head bigint := coalesce((select max(bc.id) from balance_sync.balance_changes as bc), 0);
  v_url text;
  v_secret text;
begin
  if not exists (
    select 1 from balance_sync.webhook_endpoints as e
    where e.enabled and e.next_attempt_at <= now()
      and (e.locked_until is null or e.locked_until < now())
      and (e.batch_webhook_id is not null or e.delivered_through < v_head)) then
    return 0;
  end if;
  select s.decrypted_secret into v_url from vault.decrypted_secrets as s
  where s.name = 'balance_sync_function_url';
  select s.decrypted_secret into v_secret from vault.decrypted_secrets as s
  where s.name = 'balance_sync_secret';
  if v_url is null or btrim(v_url) = '' or v_secret is null or btrim(v_secret) = '' then
    raise exception using errcode = 'P0002',
      message = 'balance_sync.dispatch_webhooks: Vault secrets "balance_sync_function_url" and '
        || '"balance_sync_secret" must exist (README, "Scheduling")';
  end if;
  perform net.http_post(
    url := btrim(v_url),
    body := '{"webhooks": true}'::jsonb,
    headers := jsonb_build_object('Content-Type', 'application/json',
                                  'x-balance-sync-secret', btrim(v_secret, E' \t\r\n')),
    timeout_milliseconds := (balance_sync.setting('pg_net_timeout_ms', '40000'::jsonb) #>> '{}')::integer);
  return 1;
end
$$;

comment on function balance_sync.dispatch_webhooks() is
$$The pg_cron job balance-sync-webhooks (every 30 s): queues one pg_net POST {"webhooks": true} to
the function when an enabled webhook endpoint is due and has something to send. Returns the
number of POSTs queued (0 or 1).$$;

do $$
declare
  v_version integer[];
begin
  if to_regnamespace('cron') is null then
    raise notice 'balance-sync: no pg_cron in this database; schedule select balance_sync.dispatch_webhooks() '
      'yourself to deliver webhooks';
    return;
  end if;
  select string_to_array(split_part(e.extversion, '-', 1), '.')::integer[] into v_version
  from pg_extension as e where e.extname = 'pg_cron';
  perform cron.schedule('balance-sync-webhooks',
    case when v_version >= array[1, 5] then '30 seconds' else '* * * * *' end,
    'select balance_sync.dispatch_webhooks()');
end
$$;

-- Retention: never delete a change an enabled endpoint has not received ---------------------------

create or replace function balance_sync.prune_balance_changes()
  returns bigint
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_days numeric := balance_sync.setting_number('balance_changes_retention_days', 30);
  v_batch integer := balance_sync.setting_number('balance_changes_prune_batch', 5000);
  v_budget numeric := balance_sync.setting_number('balance_changes_prune_seconds', 20);
  -- changes after the lowest cursor of an enabled webhook endpoint are held
  v_hold bigint := coalesce((select min(e.delivered_through)
                             from balance_sync.webhook_endpoints as e where e.enabled),
                            9223372036854775807);
  v_cutoff timestamptz;
  v_started timestamptz := clock_timestamp();
  v_last bigint := 0;
  v_seen integer;
  v_deleted integer;
  v_young boolean;
  v_total bigint := 0;
begin
  v_cutoff := now() - make_interval(secs => v_days * 86400);
  loop
    with batch as (
      select bc.id, bc.observed_at < v_cutoff and bc.id <= v_hold as old
      from balance_sync.balance_changes as bc
      where bc.id > v_last
      order by bc.id
      limit v_batch
    ),
    removed as (
      delete from balance_sync.balance_changes as bc
      using batch as b
      where bc.id = b.id and b.old
      returning bc.id
    )
    select (select count(*) from batch), (select count(*) from removed),
           coalesce((select bool_or(not b.old) from batch as b), false),
           coalesce((select max(b.id) from batch as b), v_last)
    into v_seen, v_deleted, v_young, v_last;
    v_total := v_total + v_deleted;
    exit when v_seen < v_batch or v_young
      or clock_timestamp() - v_started > make_interval(secs => v_budget);
  end loop;
  return v_total;
end
$$;

comment on function balance_sync.prune_balance_changes() is
$$Deletes balance_sync.balance_changes rows whose observed_at is older than the setting
balance_changes_retention_days (default 30), in batches (balance_changes_prune_batch, default
5,000) within a time budget (balance_changes_prune_seconds, default 20), except the changes an
enabled webhook endpoint has not acknowledged yet (id > its cursor): those are held until it has
them, or until it is disabled (after webhook_disable_after of failures). Called by the cleanup
job (balance_sync.cleanup_cron_history). Returns the number of rows deleted.$$;

revoke all on function balance_sync.prune_balance_changes() from public;
revoke all on function balance_sync.dispatch_webhooks() from public;
revoke all on function balance_sync.webhook_address_private(inet) from public;
revoke all on function balance_sync.webhook_check_filter(text, uuid[]) from public;
revoke all on function balance_sync.webhook_check_secret(text) from public;
select balance_sync.grant_to_service_role_only(array[
  'balance_sync.setting_flag(text)',
  'balance_sync.webhook_url_problem(text)',
  'balance_sync.webhook_create(text, text, uuid[], uuid[], uuid[], bigint)',
  'balance_sync.webhook_set_filter(uuid, uuid[], uuid[], uuid[])',
  'balance_sync.webhook_set_url(uuid, text, text)',
  'balance_sync.webhook_enable(uuid)',
  'balance_sync.webhook_disable(uuid, text)',
  'balance_sync.webhook_delete(uuid)',
  'balance_sync.webhook_metrics()',
  'public.balance_sync_webhook_claim(text, integer, integer)',
  'public.balance_sync_webhook_batch(uuid, text)',
  'public.balance_sync_webhook_result(uuid, text, text, integer, text, text)',
  'public.balance_sync_webhook_release(uuid, text)'
]);
