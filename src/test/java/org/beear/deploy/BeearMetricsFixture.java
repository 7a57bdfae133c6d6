package org.beear.deploy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server exposing, at /actuator/prometheus, Prometheus text in the shape the beear service
 * publishes (every beear_* family of the metrics contract plus the Spring/JVM series the dashboard uses). No
 * series carries a job label: per-job results are the jobs table's, which the dashboard reads through PostgreSQL.
 * Each scrape advances the story: one more epoch and a few more steps, more jobs through each status, and one
 * more succeeded job with its duration and after-cleansing ASRs, so rates and quantiles have real increases.
 */
final class BeearMetricsFixture implements AutoCloseable {
  static final String PATH = "/actuator/prometheus";
  /** Every metric family of the service's contract (docs/deployment.md, "Metrics"). */
  static final List<String> BEEAR_FAMILIES = List.of(
      "beear_jobs_total", "beear_queue_depth", "beear_jobs_running",
      "beear_epoch_duration_seconds", "beear_step_duration_seconds",
      "beear_job_duration_seconds", "beear_job_asr_after_ratio", "beear_scans_total");

  private static final double[] EPOCH_BUCKETS = {5, 10, 30, 60, 120, 300, 600};
  private static final double[] STEP_BUCKETS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  /** As JobMetrics publishes them: minutes to two days, and ratios dense near zero. */
  private static final double[] JOB_BUCKETS = {60, 300, 900, 1800, 3600, 7200, 14400, 28800, 57600, 86400, 172800};
  private static final double[] ASR_BUCKETS = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0};

  private final HttpServer server;
  private final AtomicInteger scrapes = new AtomicInteger();

  BeearMetricsFixture() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(PATH, exchange -> {
      byte[] body = exposition(scrapes.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  String target() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  int scrapes() {
    return scrapes.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** The exposition served at scrape number {@code n} (1-based). */
  static String exposition(int n) {
    StringBuilder out = new StringBuilder();
    family(out, "beear_jobs_total", "counter", "Jobs entering each status");
    sample(out, "beear_jobs_total{application=\"beear\",status=\"queued\"}", 3 + n);
    sample(out, "beear_jobs_total{application=\"beear\",status=\"running\"}", 2 + n);
    sample(out, "beear_jobs_total{application=\"beear\",status=\"succeeded\"}", 1 + n);
    sample(out, "beear_jobs_total{application=\"beear\",status=\"failed\"}", n / 3);
    sample(out, "beear_jobs_total{application=\"beear\",status=\"cancelled\"}", 1);
    family(out, "beear_queue_depth", "gauge", "Jobs queued");
    sample(out, "beear_queue_depth{application=\"beear\"}", 2);
    family(out, "beear_jobs_running", "gauge", "Jobs running");
    sample(out, "beear_jobs_running{application=\"beear\"}", 1);

    // One more ~40 s epoch per scrape; five ~0.3 s entrapment steps and one ~1.2 s removal step.
    histogram(out, "beear_epoch_duration_seconds", "", EPOCH_BUCKETS, n, 40.0);
    family(out, "beear_step_duration_seconds", "histogram", "Duration of one BEEAR step");
    histogramSamples(out, "beear_step_duration_seconds", "phase=\"entrapment\",", STEP_BUCKETS, 5L * n, 0.3);
    histogramSamples(out, "beear_step_duration_seconds", "phase=\"removal\",", STEP_BUCKETS, n, 1.2);
    // and one ~5 s evaluation of the model per epoch
    histogram(out, "beear_evaluation_duration_seconds", "", STEP_BUCKETS, n, 5.0);

    // One more job succeeds per scrape (25 minutes, ASR after 3 % with trigger); every third scrape one fails.
    family(out, "beear_job_duration_seconds", "histogram", "Wall time of a job by outcome");
    histogramSamples(out, "beear_job_duration_seconds", "outcome=\"succeeded\",", JOB_BUCKETS, n, 1500.0);
    histogramSamples(out, "beear_job_duration_seconds", "outcome=\"failed\",", JOB_BUCKETS, n / 3, 300.0);
    histogramSamples(out, "beear_job_duration_seconds", "outcome=\"cancelled\",", JOB_BUCKETS, 1, 60.0);
    // scans: one more likely backdoored every scrape, a clean one every other, an inconclusive one every third
    family(out, "beear_scans_total", "counter", "Scans that succeeded, by verdict");
    sample(out, "beear_scans_total{application=\"beear\",verdict=\"likely_backdoored\"}", n);
    sample(out, "beear_scans_total{application=\"beear\",verdict=\"no_evidence\"}", n / 2);
    sample(out, "beear_scans_total{application=\"beear\",verdict=\"inconclusive\"}", n / 3);
    family(out, "beear_job_asr_after_ratio", "histogram", "ASR of each succeeded job's cleansed model");
    histogramSamples(out, "beear_job_asr_after_ratio", "kind=\"triggered\",", ASR_BUCKETS, n, 0.03);
    histogramSamples(out, "beear_job_asr_after_ratio", "kind=\"no_trigger\",", ASR_BUCKETS, n, 0.02);
    histogramSamples(out, "beear_job_asr_after_ratio", "kind=\"perturbation\",", ASR_BUCKETS, n, 0.2);

    family(out, "jvm_memory_used_bytes", "gauge", "The amount of used memory");
    sample(out, "jvm_memory_used_bytes{application=\"beear\",area=\"heap\",id=\"G1 Eden Space\"}", 5.0e7 + n);
    sample(out, "jvm_memory_used_bytes{application=\"beear\",area=\"heap\",id=\"G1 Old Gen\"}", 1.2e8);
    sample(out, "jvm_memory_used_bytes{application=\"beear\",area=\"nonheap\",id=\"Metaspace\"}", 9.0e7);
    family(out, "process_cpu_usage", "gauge", "The recent cpu usage for the JVM process");
    sample(out, "process_cpu_usage{application=\"beear\"}", 0.42);
    family(out, "http_server_requests_seconds", "summary", "HTTP server requests");
    String request = "application=\"beear\",error=\"none\",exception=\"none\",method=\"GET\",outcome=\"SUCCESS\","
        + "status=\"200\",uri=\"/api/v1/cleanse-jobs/{id}\"";
    sample(out, "http_server_requests_seconds_count{" + request + "}", 10L * n);
    sample(out, "http_server_requests_seconds_sum{" + request + "}", 0.05 * n);
    return out.toString();
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String series, double value) {
    out.append(series).append(' ').append(String.format(Locale.ROOT, "%s", value)).append('\n');
  }

  private static void histogram(StringBuilder out, String name, String labels, double[] buckets, long count, double each) {
    family(out, name, "histogram", "Duration");
    histogramSamples(out, name, labels, buckets, count, each);
    family(out, name + "_max", "gauge", "Longest observation");
    sample(out, name + "_max{" + labels + "application=\"beear\"}", each);
  }

  /** Every observation equals {@code each}: buckets below it hold 0, the rest hold {@code count} (cumulative). */
  private static void histogramSamples(StringBuilder out, String name, String labels, double[] buckets, long count, double each) {
    for (double le : buckets) {
      sample(out, name + "_bucket{" + labels + "application=\"beear\",le=\"" + le + "\"}", each <= le ? count : 0);
    }
    sample(out, name + "_bucket{" + labels + "application=\"beear\",le=\"+Inf\"}", count);
    sample(out, name + "_count{" + labels + "application=\"beear\"}", count);
    sample(out, name + "_sum{" + labels + "application=\"beear\"}", each * count);
  }
}
