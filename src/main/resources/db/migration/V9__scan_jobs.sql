-- Scan jobs (issue #18): the trigger-free backdoor scan runs through the same queue, workers, tenants, limits,
-- events and metrics as a cleanse. Every job so far was a cleanse.
ALTER TABLE jobs ADD COLUMN kind text NOT NULL DEFAULT 'cleanse' CHECK (kind IN ('cleanse', 'scan'));

-- A scan may be calibrated against a clean reference model of the suspect's family; its URI is kept like the
-- model's: redacted for display, sealed for the worker when it carries secrets.
ALTER TABLE jobs ADD COLUMN reference_uri text;
ALTER TABLE jobs ADD COLUMN reference_uri_sealed text;

-- What a succeeded scan found (verdict, score, flip budget, evidence, every sweep), as the API shows it.
ALTER TABLE jobs ADD COLUMN scan_result jsonb;

-- A scan writes no files, so it has no output location; a cleanse always has one.
ALTER TABLE jobs ALTER COLUMN output_uri DROP NOT NULL;
ALTER TABLE jobs ADD CONSTRAINT jobs_output_by_kind CHECK ((kind = 'scan') = (output_uri IS NULL));
ALTER TABLE jobs ADD CONSTRAINT jobs_reference_only_for_scans CHECK (kind = 'scan' OR reference_uri IS NULL);

-- Listing one kind of a tenant's jobs, newest first.
CREATE INDEX jobs_tenant_kind_newest ON jobs (tenant, kind, created_at DESC, id DESC);
