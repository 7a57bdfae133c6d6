-- Release gates (issue #28 item 5): a job may carry a policy (thresholds on what it measures), checked when it
-- succeeds; the outcome per rule is kept beside it, as the API and report.json show them.
ALTER TABLE jobs ADD COLUMN policy jsonb;
ALTER TABLE jobs ADD COLUMN policy_outcome jsonb;
