package org.beear.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.beear.app.BeearProperties;
import org.beear.beear.EpochRecord;
import org.beear.beear.EvalMetrics;
import org.springframework.stereotype.Component;

/**
 * The service's Prometheus metrics, by the names the Grafana dashboard uses. Per-job gauges exist only for the
 * most recent {@code beear.metrics.recent-jobs} jobs: older jobs' series are removed so label cardinality stays
 * bounded however many jobs run.
 */
@Component
public class JobMetrics {

  private final MeterRegistry registry;
  private final int recentJobs;
  private final Map<UUID, JobSeries> series = new LinkedHashMap<>();
  private final Timer epochDuration;
  private final Map<String, Timer> stepDuration = new LinkedHashMap<>();
  // Gauges keep only weak references to what they read: these fields keep the readers alive.
  private final CachedCount queued;
  private final CachedCount running;

  public JobMetrics(MeterRegistry registry, BeearProperties properties, JobRepository jobs) {
    this.registry = registry;
    this.recentJobs = properties.metrics().recentJobs();
    for (JobStatus status : JobStatus.values()) {
      counter(status); // every status has a series from the start, so rate() works on the first job
    }
    Duration cache = properties.metrics().queueDepthCache();
    queued = new CachedCount(() -> jobs.countByStatus(JobStatus.QUEUED), cache);
    running = new CachedCount(() -> jobs.countByStatus(JobStatus.RUNNING), cache);
    Gauge.builder("beear.queue.depth", queued, CachedCount::get)
        .description("Jobs waiting for a worker (all replicas, from the database)").register(registry);
    Gauge.builder("beear.jobs.running", running, CachedCount::get)
        .description("Jobs being cleansed (all replicas, from the database)").register(registry);
    epochDuration = Timer.builder("beear.epoch.duration").description("Wall time of one outer BEEAR epoch")
        .publishPercentileHistogram().register(registry);
    for (String phase : List.of("entrapment", "removal")) {
      stepDuration.put(phase, Timer.builder("beear.step.duration").tag("phase", phase)
          .description("Wall time of one optimisation step").publishPercentileHistogram().register(registry));
    }
  }

  /** Counts a job entering a status (beear_jobs_total{status}). */
  public void jobEntered(JobStatus status) {
    counter(status).increment();
  }

  private Counter counter(JobStatus status) {
    return Counter.builder("beear.jobs").tag("status", status.wireName())
        .description("Jobs that entered each status").register(registry);
  }

  public void step(String phase, double seconds) {
    Timer timer = stepDuration.get(phase);
    if (timer != null) {
      timer.record(Duration.ofNanos((long) (seconds * 1e9)));
    }
  }

  public synchronized void epoch(UUID jobId, EpochRecord epoch, double progress) {
    epochDuration.record(Duration.ofNanos((long) (epoch.seconds() * 1e9)));
    JobSeries job = seriesFor(jobId);
    job.set("beear.job.epoch", List.of(), epoch.epoch());
    job.set("beear.job.progress.ratio", List.of(), progress);
    evaluation(jobId, "epoch", epoch.metrics());
  }

  public synchronized void progress(UUID jobId, double progress) {
    seriesFor(jobId).set("beear.job.progress.ratio", List.of(), progress);
  }

  /** Publishes one evaluation; phase is before, epoch or after. Unmeasured (null) values get no series. */
  public synchronized void evaluation(UUID jobId, String phase, EvalMetrics metrics) {
    if (metrics == null) {
      return;
    }
    JobSeries job = seriesFor(jobId);
    job.set("beear.job.asr.ratio", List.of("phase", phase, "kind", "triggered"), metrics.asrTriggered());
    job.set("beear.job.asr.ratio", List.of("phase", phase, "kind", "no_trigger"), metrics.asrNoTrigger());
    job.set("beear.job.asr.ratio", List.of("phase", phase, "kind", "perturbation"), metrics.asrPerturbation());
    job.set("beear.job.utility.ratio", List.of("phase", phase, "kind", "benign_exact_match"),
        metrics.benignExactMatch());
    job.set("beear.job.insecure.code.ratio", List.of("phase", phase), metrics.insecureCodeRate());
    job.set("beear.job.secure.code.ratio", List.of("phase", phase), metrics.secureCodeRate());
  }

  private JobSeries seriesFor(UUID jobId) {
    JobSeries job = series.get(jobId);
    if (job == null) {
      job = new JobSeries(jobId);
      series.put(jobId, job);
      while (series.size() > recentJobs) {
        UUID eldest = series.keySet().iterator().next();
        series.remove(eldest).removeFrom(registry);
      }
    }
    return job;
  }

  /** Gauges of one job, keyed by name and tags; values are held here because gauges only keep weak refs. */
  private final class JobSeries {
    private final UUID jobId;
    private final Map<String, AtomicReference<Double>> values = new LinkedHashMap<>();
    private final List<Meter> meters = new ArrayList<>();

    JobSeries(UUID jobId) {
      this.jobId = jobId;
    }

    void set(String name, List<String> tags, Number value) {
      if (value == null) {
        return;
      }
      String key = name + tags;
      AtomicReference<Double> holder = values.get(key);
      if (holder == null) {
        holder = new AtomicReference<>(value.doubleValue());
        values.put(key, holder);
        List<String> allTags = new ArrayList<>(List.of("job_id", jobId.toString()));
        allTags.addAll(tags);
        meters.add(Gauge.builder(name, holder, h -> h.get()).tags(allTags.toArray(String[]::new))
            .register(registry));
      }
      holder.set(value.doubleValue());
    }

    void removeFrom(MeterRegistry registry) {
      meters.forEach(registry::remove);
    }
  }
}
