-- STAND-IN for Supabase Vault (extension supabase_vault, SQL only), for the test harness in
-- stack/pg.ts.
--
-- Why: the real extension encrypts secrets with libsodium from C code and is in no registry this
-- project can reach (only npm and Debian). This file keeps what callers see: table
-- `vault.secrets`, view `vault.decrypted_secrets` (column `decrypted_secret`), and
-- `vault.create_secret` / `vault.update_secret` with the real signatures and behaviour (a unique
-- name, so creating a duplicate name fails). The secret is only base64-encoded here, NOT
-- encrypted: never put a real secret into a harness database.

\echo Use "CREATE EXTENSION supabase_vault" to load this file. \quit

create table vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default decode(md5(random()::text), 'hex'),
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp
);

comment on table vault.secrets is
  'Table with encrypted `secret` column for storing sensitive information on disk. (stand-in: base64 only)';

create unique index on vault.secrets using btree (name) where name is not null;

create view vault.decrypted_secrets as
select s.id,
       s.name,
       s.description,
       s.secret,
       convert_from(decode(s.secret, 'base64'), 'utf8') as decrypted_secret,
       s.key_id,
       s.nonce,
       s.created_at,
       s.updated_at
from vault.secrets as s;

create function vault.create_secret(
  new_secret text,
  new_name text = null,
  new_description text = '',
  new_key_id uuid = null
)
  returns uuid
  language plpgsql
  set search_path = ''
as $$
declare
  new_id uuid;
begin
  insert into vault.secrets (secret, name, description)
  values (encode(convert_to(new_secret, 'utf8'), 'base64'), new_name, new_description)
  returning id into new_id;
  return new_id;
end
$$;

create function vault.update_secret(
  secret_id uuid,
  new_secret text = null,
  new_name text = null,
  new_description text = null,
  new_key_id uuid = null
)
  returns void
  language plpgsql
  set search_path = ''
as $$
begin
  update vault.secrets as s
  set secret = case when new_secret is null then s.secret
                    else encode(convert_to(new_secret, 'utf8'), 'base64') end,
      name = coalesce(new_name, s.name),
      description = coalesce(new_description, s.description),
      updated_at = now()
  where s.id = secret_id;
end
$$;

select pg_catalog.pg_extension_config_dump('vault.secrets', '');

revoke all on table vault.secrets, vault.decrypted_secrets from public;
revoke all on function vault.create_secret(text, text, text, uuid) from public;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public;
