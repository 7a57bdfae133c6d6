-- What a job read and wrote: the model's source (its URI as shown, the commit of a hf:// revision, the digest of a
-- downloaded archive) and the SHA-256 and size of every input and output file, as report.json has it. Written by
-- the worker after the fetch (source and inputs) and again when the cleanse published its output (with outputs).
ALTER TABLE jobs ADD COLUMN provenance jsonb;
-- The commit a hf:// revision (branch, tag) resolved to when the worker fetched the model; null for other sources.
ALTER TABLE jobs ADD COLUMN model_revision text;
