-- API keys and tenants. Only a SHA-256 of each key is stored (see ApiKeys for why not a slow hash); prefix is
-- the key's first characters, for people to tell keys apart.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    key_hash     text        NOT NULL UNIQUE,
    prefix       text        NOT NULL,
    name         text        NOT NULL,
    role         text        NOT NULL CHECK (role IN ('read', 'submit', 'admin', 'metrics')),
    tenant       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- Every job belongs to its creator's tenant. Jobs from before tenants belong to 'default' (the default
-- beear.security.bootstrap-tenant); new rows must name theirs.
ALTER TABLE jobs ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE jobs ALTER COLUMN tenant DROP DEFAULT;

-- Idempotency keys are scoped per tenant: two tenants may use the same key for different jobs.
DROP INDEX jobs_idempotency_key;
CREATE UNIQUE INDEX jobs_tenant_idempotency_key ON jobs (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_tenant_newest ON jobs (tenant, created_at DESC, id DESC);
CREATE INDEX jobs_tenant_status_newest ON jobs (tenant, status, created_at DESC, id DESC);
