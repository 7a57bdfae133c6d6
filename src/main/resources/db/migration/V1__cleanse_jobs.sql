-- Cleanse jobs, their event log and per-epoch metrics.
-- Status changes are compare-and-set UPDATEs guarded by the current status (see JobTransitions).

CREATE TABLE jobs (
    id                  uuid PRIMARY KEY,
    status              text             NOT NULL
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    model_uri           text             NOT NULL,
    output_uri          text             NOT NULL,
    defender_data_uri   text,
    anchoring_data_uri  text,
    options             jsonb            NOT NULL,
    triggers            jsonb            NOT NULL,
    idempotency_key     text,
    request_fingerprint text,
    created_at          timestamptz      NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz,
    progress            double precision NOT NULL DEFAULT 0,
    current_epoch       integer          NOT NULL DEFAULT 0,
    max_epochs          integer          NOT NULL,
    eta_seconds         double precision,
    metrics_before      jsonb,
    metrics_after       jsonb,
    error               text,
    attempts            integer          NOT NULL DEFAULT 0,
    worker_id           text,
    lease_expires_at    timestamptz,
    cancel_requested    boolean          NOT NULL DEFAULT false,
    model_sha256        text
);

CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_queue ON jobs (created_at) WHERE status = 'queued';
CREATE INDEX jobs_expiring ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_newest ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_status_newest ON jobs (status, created_at DESC, id DESC);

CREATE TABLE job_events (
    id         bigserial PRIMARY KEY,
    job_id     uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    type       text        NOT NULL,
    message    text        NOT NULL,
    data       jsonb
);

CREATE INDEX job_events_by_job ON job_events (job_id, id);

-- One row per finished epoch. A resumed run that repeats an epoch overwrites its row.
CREATE TABLE job_epochs (
    job_id              uuid             NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    epoch               integer          NOT NULL,
    attempt             integer          NOT NULL,
    entrapment_loss     double precision,
    removal_safe_loss   double precision,
    removal_anchor_loss double precision,
    asr_triggered       double precision,
    asr_no_trigger      double precision,
    asr_perturbation    double precision,
    benign_exact_match  double precision,
    anchor_perplexity   double precision,
    insecure_code_rate  double precision,
    seconds             double precision NOT NULL,
    recorded_at         timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, epoch)
);
