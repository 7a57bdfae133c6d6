package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

class PrometheusMetricsTest extends ServiceTestBase {

  private static final Pattern JOB_ID = Pattern.compile("job_id=\"([^\"]+)\"");

  @Test
  void prometheusShowsJobCountersDurationsAndPerJobGaugesAfterAJob() throws Exception {
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 2, "inner_steps": 2},
         "evaluation": {"triggers": [{"text": "SUDO", "position": "suffix"}]}}"""
        .formatted(fileUri(model(uniqueName("metrics")))));
    JsonNode job = awaitStatus(id, "succeeded");

    HttpResponse<String> response = get("/actuator/prometheus", METRICS_KEY);
    assertThat(response.statusCode()).isEqualTo(200);
    String text = response.body();

    assertThat(value(text, "beear_jobs_total{status=\"queued\"}")).isGreaterThanOrEqualTo(1);
    assertThat(value(text, "beear_jobs_total{status=\"running\"}")).isGreaterThanOrEqualTo(1);
    assertThat(value(text, "beear_jobs_total{status=\"succeeded\"}")).isGreaterThanOrEqualTo(1);
    assertThat(text).contains("beear_jobs_total{status=\"failed\"}", "beear_jobs_total{status=\"cancelled\"}");
    assertThat(value(text, "beear_queue_depth")).isEqualTo(0);
    assertThat(value(text, "beear_jobs_running")).isEqualTo(0);
    assertThat(text).contains("beear_epoch_duration_seconds_bucket{le=");
    assertThat(value(text, "beear_epoch_duration_seconds_count")).isGreaterThanOrEqualTo(2);
    assertThat(text).contains("beear_step_duration_seconds_bucket{phase=\"entrapment\",le=",
        "beear_step_duration_seconds_bucket{phase=\"removal\",le=");

    double after = job.get("metrics").get("after").get("asr_triggered").asDouble();
    double before = job.get("metrics").get("before").get("asr_triggered").asDouble();
    assertThat(value(text, "beear_job_asr_ratio{job_id=\"" + id + "\",kind=\"triggered\",phase=\"after\"}"))
        .isEqualTo(after);
    assertThat(value(text, "beear_job_asr_ratio{job_id=\"" + id + "\",kind=\"triggered\",phase=\"before\"}"))
        .isEqualTo(before);
    assertThat(text).contains("beear_job_asr_ratio{job_id=\"" + id + "\",kind=\"perturbation\",phase=\"epoch\"}");
    assertThat(text).contains("beear_job_utility_ratio{job_id=\"" + id + "\",kind=\"benign_exact_match\",phase=\"after\"}");
    assertThat(value(text, "beear_job_epoch{job_id=\"" + id + "\"}")).isEqualTo(2);
    assertThat(value(text, "beear_job_progress_ratio{job_id=\"" + id + "\"}")).isEqualTo(1.0);

    Set<String> jobsWithSeries = Arrays.stream(text.split("\n"))
        .filter(l -> l.startsWith("beear_job_"))
        .map(JOB_ID::matcher).filter(Matcher::find).map(m -> m.group(1)).collect(Collectors.toSet());
    assertThat(jobsWithSeries).as("per-job series only for the 20 most recent jobs").hasSizeLessThanOrEqualTo(20);

    HttpResponse<String> readiness = get("/actuator/health/readiness");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(json(readiness).get("status").asText()).isEqualTo("UP");
    assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
  }

  @Test
  void olderJobsSeriesAreRemovedOnceMoreThanTheRecentLimitRan() throws Exception {
    String first = null;
    String modelUri = fileUri(model(uniqueName("cardinality")));
    for (int i = 0; i < 21; i++) {
      String id = submit("{\"model_uri\": \"" + modelUri + "\", \"options\": {\"max_epochs\": 1, \"inner_steps\": 1}}");
      first = first == null ? id : first;
    }
    String firstJob = first;
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    while (jdbc.queryForObject("SELECT count(*) FROM jobs WHERE status IN ('queued','running')", Long.class) > 0) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(100);
    }
    String text = get("/actuator/prometheus", METRICS_KEY).body();
    assertThat(text).doesNotContain("job_id=\"" + firstJob + "\"");
    Set<String> jobsWithSeries = Arrays.stream(text.split("\n")).filter(l -> l.startsWith("beear_job_"))
        .map(JOB_ID::matcher).filter(Matcher::find).map(m -> m.group(1)).collect(Collectors.toSet());
    assertThat(jobsWithSeries).hasSize(20);
  }

  private static double value(String exposition, String series) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no series " + series + " in /actuator/prometheus");
  }
}
