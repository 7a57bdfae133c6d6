package org.beear.job;

import java.util.UUID;

/** Published when a running job is asked to stop, so a worker in this JVM can react before its next poll. */
public record JobCancelRequested(UUID jobId) {}
