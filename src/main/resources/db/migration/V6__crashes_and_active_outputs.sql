-- A job's attempts count every claim (the fencing token of its worker's writes); crashes count only the runs that
-- died (lease expired, or an Error in the run). max-attempts limits crashes: a graceful release (the worker shut
-- down) re-queues a job without using one up.
ALTER TABLE jobs ADD COLUMN crashes integer NOT NULL DEFAULT 0;

-- Two active jobs must never write the same output location. Should an older database hold such a pair, the
-- later job fails with a clear error instead of the migration failing (nothing is deleted).
UPDATE jobs AS later
   SET status = 'failed', finished_at = now(), lease_expires_at = NULL,
       error = 'output location also used by the earlier job ' || earlier.id || '; submit again with another output_uri'
  FROM jobs AS earlier
 WHERE later.output_uri = earlier.output_uri
   AND later.status IN ('queued', 'running') AND earlier.status IN ('queued', 'running')
   AND (later.created_at, later.id) > (earlier.created_at, earlier.id);

CREATE UNIQUE INDEX jobs_active_output ON jobs (output_uri) WHERE status IN ('queued', 'running');
