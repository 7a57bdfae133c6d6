-- A model URI that carries secrets (user info, query or fragment: credentials, signed-URL tokens) is stored twice:
-- redacted in model_uri, which everything shows, and sealed (AES-256-GCM with the service's secrets key, bound to
-- the job) here, for the worker that fetches it. Plain URIs leave this column null.
ALTER TABLE jobs ADD COLUMN model_uri_sealed text;
