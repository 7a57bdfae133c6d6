package org.beear.worker;

import java.util.concurrent.ScheduledExecutorService;
import org.beear.app.BeearProperties;
import org.beear.beear.CleanseEngine;
import org.beear.job.JobJson;
import org.beear.job.JobMetrics;
import org.beear.job.JobRepository;
import org.beear.job.JobStore;
import org.beear.job.ModelUris;
import org.beear.job.WorkerDevices;
import org.beear.security.AttestationKey;
import org.beear.source.DataFiles;
import org.beear.source.ModelSources;
import org.beear.source.OutputSink;

/** What a worker needs to run jobs, gathered once by the pool. */
record WorkerContext(
    BeearProperties properties,
    CleanseEngine engine,
    JobRepository jobs,
    JobStore store,
    JobJson json,
    JobMetrics metrics,
    ModelSources sources,
    ModelUris modelUris,
    DataFiles dataFiles,
    WorkerDevices devices,
    WorkDirectorySweeper workDirectories,
    OutputSink outputs,
    AttestationKey attestationKey,
    ScheduledExecutorService heartbeats) {}
