-- The counts behind each rate an epoch measures, so the job view and the report can give its 95% interval (the
-- early stop reads the interval's upper end). Rows recorded before have the ratios only: their counts stay null.
ALTER TABLE job_epochs
    ADD COLUMN asr_triggered_hits       integer,
    ADD COLUMN asr_triggered_total      integer,
    ADD COLUMN asr_perturbation_hits    integer,
    ADD COLUMN asr_perturbation_total   integer,
    ADD COLUMN insecure_code_hits       integer,
    ADD COLUMN insecure_code_total      integer,
    ADD COLUMN secure_code_hits         integer,
    ADD COLUMN secure_code_total        integer,
    ADD CONSTRAINT job_epochs_counts CHECK (
        (asr_triggered_hits IS NULL OR asr_triggered_hits BETWEEN 0 AND asr_triggered_total)
        AND (asr_perturbation_hits IS NULL OR asr_perturbation_hits BETWEEN 0 AND asr_perturbation_total)
        AND (insecure_code_hits IS NULL OR insecure_code_hits BETWEEN 0 AND insecure_code_total)
        AND (secure_code_hits IS NULL OR secure_code_hits BETWEEN 0 AND secure_code_total));
