-- The settings a job runs with, resolved from its options against the model (and fitted to the workers' device
-- when it asked for that), and their memory plan: set at submission when the model's config is at hand
-- (file:// models), else by the worker before it loads the model.
ALTER TABLE jobs ADD COLUMN settings jsonb;
ALTER TABLE jobs ADD COLUMN memory_plan jsonb;
