-- Whose a directory is: file:// reads and outputs look up the jobs whose output_uri is the directory or one of its
-- ancestors (equality), and the queued or running ones inside it (a prefix). text_pattern_ops serves both.
CREATE INDEX jobs_output_uri ON jobs (output_uri text_pattern_ops);
