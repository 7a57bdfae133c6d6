-- The read-only role Grafana's PostgreSQL data source connects as, for the dashboard's ASR-trend section: SELECT on
-- jobs and job_epochs and nothing else (not job_events, not api_keys).
--
-- Roles belong to the whole PostgreSQL cluster and giving one a login and a password is the deployment's business
-- (compose: docker/postgres/init-roles.sh; Helm: the chart's role Job or an administrator, docs/deployment.md).
-- This migration only makes sure the grants exist: if the role is missing it is created here without a login, so
-- that the grants have a role to go to whatever runs first; a database user that may not create roles leaves
-- that, and the grants, to the deployment, and the migration still succeeds.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'beear_grafana') THEN
    BEGIN
      CREATE ROLE beear_grafana NOLOGIN;
      -- Belt and braces next to the grants: sessions are read-only by default and dashboard queries are cut off
      -- before they can load the service's database.
      ALTER ROLE beear_grafana SET default_transaction_read_only = on;
      ALTER ROLE beear_grafana SET statement_timeout = '30s';
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'role beear_grafana not created (this user may not create roles): create it, then GRANT SELECT ON jobs, job_epochs TO beear_grafana';
      RETURN;
    END;
  END IF;
  GRANT SELECT ON jobs, job_epochs TO beear_grafana;
END
$$;
