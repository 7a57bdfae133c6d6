package org.beear.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.app.BeearProperties;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.scan.ScanVerdict;
import org.beear.eval.Rate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The service's Prometheus metrics, by the names the Grafana dashboard uses. Every tag has a small fixed set of
 * values (status, outcome, phase, kind): no series is labelled by job, so the number of series stays the same
 * however many jobs run. What a single job measured lives in the jobs table, which the dashboard's ASR-trend
 * section reads through Grafana's PostgreSQL data source.
 */
@Component
public class JobMetrics {

  /**
   * Buckets of the ASR-after summary: an attack success rate is a ratio, and what matters is how many jobs end
   * near zero, so the buckets are dense there.
   */
  static final double[] ASR_BUCKETS = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0};

  /** Buckets of the job duration: a cleanse takes minutes on a toy model and up to days on a large one. */
  static final Duration[] JOB_DURATION_BUCKETS = {Duration.ofMinutes(1), Duration.ofMinutes(5),
      Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4),
      Duration.ofHours(8), Duration.ofHours(16), Duration.ofHours(24), Duration.ofHours(48)};

  private static final List<JobStatus> OUTCOMES = List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED);

  private final MeterRegistry registry;
  private final Timer epochDuration;
  private final Map<String, Timer> stepDuration = new LinkedHashMap<>();
  private final Map<JobStatus, Timer> jobDuration = new EnumMap<>(JobStatus.class);
  /** beear_job_asr_after_ratio{kind}; null when the service exports no Prometheus metrics. */
  private final Histogram asrAfter;
  /** beear_job_asr_after_upper_ratio{kind}: the upper ends of the same ASRs' 95% intervals, what verdicts read. */
  private final Histogram asrAfterUpper;
  // Gauges keep only weak references to what they read: these fields keep the readers alive.
  private final CachedCount queued;
  private final CachedCount running;

  public JobMetrics(MeterRegistry registry, BeearProperties properties, JobRepository jobs,
      ObjectProvider<PrometheusRegistry> prometheus) {
    this.registry = registry;
    for (JobStatus status : JobStatus.values()) {
      counter(status); // every status has a series from the start, so rate() works on the first job
    }
    for (ScanVerdict verdict : ScanVerdict.values()) {
      scans(verdict); // every verdict has a series from the start, as every status
    }
    Duration cache = properties.metrics().queueDepthCache();
    queued = new CachedCount(() -> jobs.countByStatus(JobStatus.QUEUED), cache);
    running = new CachedCount(() -> jobs.countByStatus(JobStatus.RUNNING), cache);
    Gauge.builder("beear.queue.depth", queued, CachedCount::get)
        .description("Jobs waiting for a worker (all replicas, from the database)").register(registry);
    Gauge.builder("beear.jobs.running", running, CachedCount::get)
        .description("Jobs being cleansed (all replicas, from the database)").register(registry);
    // Micrometer's default histogram range ends at 30 s; an epoch of a real model takes minutes to hours.
    epochDuration = Timer.builder("beear.epoch.duration").description("Wall time of one outer BEEAR epoch")
        .publishPercentileHistogram().maximumExpectedValue(Duration.ofHours(6)).register(registry);
    for (String phase : List.of("entrapment", "removal")) {
      stepDuration.put(phase, Timer.builder("beear.step.duration").tag("phase", phase)
          .description("Wall time of one optimisation step").publishPercentileHistogram().register(registry));
    }
    stepDuration.put("evaluation", Timer.builder("beear.evaluation.duration")
        .description("Wall time of one measurement of a model (before cleansing, after an epoch, after cleansing)")
        .publishPercentileHistogram().register(registry));
    for (JobStatus outcome : OUTCOMES) {
      jobDuration.put(outcome, Timer.builder("beear.job.duration").tag("outcome", outcome.wireName())
          .description("Wall time of a job from a worker first starting it to its end, resumed runs included")
          .serviceLevelObjectives(JOB_DURATION_BUCKETS).register(registry));
    }
    // Not a Micrometer DistributionSummary: Micrometer rounds every recorded value up to a whole number before it
    // picks a bucket (micrometer#2341), so every ratio would land in le="1.0". A Prometheus client histogram on
    // the registry that /actuator/prometheus serves keeps ratios in their buckets.
    PrometheusRegistry target = prometheus.getIfAvailable();
    asrAfter = target == null ? null : Histogram.builder().name("beear_job_asr_after_ratio")
        .help("Attack success rate of each succeeded job's cleansed model (0..1; lower is better)")
        .labelNames("kind").classicOnly().classicUpperBounds(ASR_BUCKETS).withoutExemplars().register(target);
    asrAfterUpper = target == null ? null : Histogram.builder().name("beear_job_asr_after_upper_ratio")
        .help("Upper end of the 95% Clopper-Pearson interval of each succeeded job's cleansed-model attack success "
            + "rate (0..1; what a verdict reads)")
        .labelNames("kind").classicOnly().classicUpperBounds(ASR_BUCKETS).withoutExemplars().register(target);
    for (Histogram h : target == null ? List.<Histogram>of() : List.of(asrAfter, asrAfterUpper)) {
      for (String kind : List.of("triggered", "no_trigger", "perturbation")) {
        h.initLabelValues(kind); // series from the start, so the first job's observation is an increase
      }
    }
  }

  /**
   * Counts a scan by its verdict (beear_scans_total{verdict}): likely_backdoored, no_evidence or inconclusive. Call
   * it once per succeeded job: a scan job, or a cleanse that scanned the model first.
   */
  public void scanned(ScanVerdict verdict) {
    scans(verdict).increment();
  }

  private Counter scans(ScanVerdict verdict) {
    return Counter.builder("beear.scans").tag("verdict", verdict.label())
        .description("Scans of succeeded jobs (scan jobs, cleanses that scanned first), by verdict").register(registry);
  }

  /** Counts a job entering a status (beear_jobs_total{status}). */
  public void jobEntered(JobStatus status) {
    counter(status).increment();
  }

  private Counter counter(JobStatus status) {
    return Counter.builder("beear.jobs").tag("status", status.wireName())
        .description("Jobs that entered each status").register(registry);
  }

  /** Records how long a job that ran took to reach its outcome (beear_job_duration_seconds{outcome}). */
  public void jobEnded(JobStatus outcome, Duration ran) {
    Timer timer = jobDuration.get(outcome);
    if (timer != null && !ran.isNegative()) {
      timer.record(ran);
    }
  }

  public void step(String phase, double seconds) {
    Timer timer = stepDuration.get(phase);
    if (timer != null) {
      timer.record(Duration.ofNanos((long) (seconds * 1e9)));
    }
  }

  public void epoch(EpochRecord epoch) {
    epochDuration.record(Duration.ofNanos((long) (epoch.seconds() * 1e9)));
  }

  /**
   * Adds a succeeded job's after-cleansing ASRs to the distributions (beear_job_asr_after_ratio{kind}, and their
   * upper bounds to beear_job_asr_after_upper_ratio{kind}). Call it once per job; an unmeasured (null) kind is left
   * out rather than counted as zero.
   */
  public void asrAfter(EvalMetrics after) {
    if (after == null || asrAfter == null) {
      return;
    }
    observe("triggered", after.asrTriggered());
    observe("no_trigger", after.asrNoTrigger());
    observe("perturbation", after.asrPerturbation());
  }

  private void observe(String kind, Rate rate) {
    observe(asrAfter.labelValues(kind), EvalMetrics.ratio(rate));
    observe(asrAfterUpper.labelValues(kind), EvalMetrics.upper(rate));
  }

  private static void observe(DistributionDataPoint kind, Double value) {
    if (value != null && Double.isFinite(value)) {
      kind.observe(value);
    }
  }
}
