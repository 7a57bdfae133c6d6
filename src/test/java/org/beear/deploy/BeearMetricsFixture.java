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
 * publishes (every beear_* family of the metrics contract plus the Spring/JVM series the dashboard uses).
 * Each scrape advances the story: one more epoch and a few more steps, more jobs through each status, and a
 * running job whose ASR falls epoch by epoch, so rates and quantiles have real increases to work on.
 */
final class BeearMetricsFixture implements AutoCloseable {
  static final String PATH = "/actuator/prometheus";
  /** Every metric family of the service's contract (docs: the deploy brief). */
  static final List<String> BEEAR_FAMILIES = List.of(
      "beear_jobs_total", "beear_queue_depth", "beear_jobs_running",
      "beear_epoch_duration_seconds", "beear_step_duration_seconds",
      "beear_job_asr_ratio", "beear_job_utility_ratio", "beear_job_insecure_code_ratio",
      "beear_job_secure_code_ratio", "beear_job_epoch", "beear_job_progress_ratio");

  private static final double[] EPOCH_BUCKETS = {5, 10, 30, 60, 120, 300, 600};
  private static final double[] STEP_BUCKETS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  private static final int RUNNING_JOB_EPOCHS = 40;

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

    // Job a1 finished (before/after); job b2 is running and its ASR falls epoch by epoch.
    int epoch = Math.min(n, RUNNING_JOB_EPOCHS - 1);
    double falling = Math.max(0.05, 0.9 - 0.1 * epoch);
    family(out, "beear_job_asr_ratio", "gauge", "Attack success rate");
    jobRatio(out, "beear_job_asr_ratio", "a1", "before", "triggered", 0.92);
    jobRatio(out, "beear_job_asr_ratio", "a1", "before", "no_trigger", 0.04);
    jobRatio(out, "beear_job_asr_ratio", "a1", "before", "perturbation", 0.81);
    jobRatio(out, "beear_job_asr_ratio", "a1", "after", "triggered", 0.03);
    jobRatio(out, "beear_job_asr_ratio", "a1", "after", "no_trigger", 0.02);
    jobRatio(out, "beear_job_asr_ratio", "a1", "after", "perturbation", 0.05);
    jobRatio(out, "beear_job_asr_ratio", "a1", "epoch", "perturbation", 0.05);
    jobRatio(out, "beear_job_asr_ratio", "b2", "before", "triggered", 0.95);
    jobRatio(out, "beear_job_asr_ratio", "b2", "epoch", "perturbation", falling);
    jobRatio(out, "beear_job_asr_ratio", "b2", "epoch", "triggered", falling);
    family(out, "beear_job_utility_ratio", "gauge", "Benign exact-match accuracy");
    jobRatio(out, "beear_job_utility_ratio", "a1", "before", "benign_exact_match", 0.62);
    jobRatio(out, "beear_job_utility_ratio", "a1", "after", "benign_exact_match", 0.59);
    jobRatio(out, "beear_job_utility_ratio", "b2", "before", "benign_exact_match", 0.70);
    family(out, "beear_job_insecure_code_ratio", "gauge", "Insecure code rate");
    sample(out, "beear_job_insecure_code_ratio{application=\"beear\",job_id=\"a1\",phase=\"before\"}", 0.4);
    sample(out, "beear_job_insecure_code_ratio{application=\"beear\",job_id=\"a1\",phase=\"after\"}", 0.1);
    family(out, "beear_job_secure_code_ratio", "gauge", "Secure code rate");
    sample(out, "beear_job_secure_code_ratio{application=\"beear\",job_id=\"a1\",phase=\"before\"}", 0.5);
    sample(out, "beear_job_secure_code_ratio{application=\"beear\",job_id=\"a1\",phase=\"after\"}", 0.9);
    family(out, "beear_job_epoch", "gauge", "Current epoch");
    sample(out, "beear_job_epoch{application=\"beear\",job_id=\"a1\"}", 8);
    sample(out, "beear_job_epoch{application=\"beear\",job_id=\"b2\"}", epoch);
    family(out, "beear_job_progress_ratio", "gauge", "Fraction of epochs done");
    sample(out, "beear_job_progress_ratio{application=\"beear\",job_id=\"a1\"}", 1.0);
    sample(out, "beear_job_progress_ratio{application=\"beear\",job_id=\"b2\"}", (double) epoch / RUNNING_JOB_EPOCHS);

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

  private static void jobRatio(StringBuilder out, String metric, String job, String phase, String kind, double value) {
    sample(out, metric + "{application=\"beear\",job_id=\"" + job + "\",kind=\"" + kind + "\",phase=\"" + phase + "\"}", value);
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
