-- Share of held-out code prompts answered with secure code, next to the insecure share: the rest is malformed
-- code or a refusal, which a low insecure-code rate alone would read as a success.
ALTER TABLE job_epochs ADD COLUMN secure_code_rate double precision;
