package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

class PrometheusMetricsTest extends ServiceTestBase {

  @Test
  void prometheusShowsJobCountersDurationsAndTheAsrAfterDistributionButNoPerJobSeries() throws Exception {
    String before = scrape();
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 2, "inner_steps": 2},
         "evaluation": {"triggers": [{"text": "SUDO", "position": "suffix"}]}}"""
        .formatted(fileUri(model(uniqueName("metrics")))));
    JsonNode job = awaitStatus(id, "succeeded");
    String text = scrape();

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

    // The job's run time, under its outcome, in buckets that reach days (a real cleanse is not done in 30 s).
    assertThat(increase(before, text, "beear_job_duration_seconds_count{outcome=\"succeeded\"}")).isEqualTo(1);
    assertThat(increase(before, text, "beear_job_duration_seconds_bucket{outcome=\"succeeded\",le=\"60.0\"}"))
        .isEqualTo(1);
    assertThat(text).contains("beear_job_duration_seconds_bucket{outcome=\"succeeded\",le=\"172800.0\"}",
        "beear_job_duration_seconds_count{outcome=\"failed\"}", "beear_job_duration_seconds_count{outcome=\"cancelled\"}");

    // The job's after-cleansing ASR landed in the distribution of its kind, in the bucket it belongs to.
    JsonNode after = job.get("metrics").get("after");
    for (String kind : List.of("triggered", "no_trigger", "perturbation")) {
      assertThat(increase(before, text, "beear_job_asr_after_ratio_count{kind=\"" + kind + "\"}")).as(kind).isEqualTo(1);
      assertThat(increase(before, text, "beear_job_asr_after_ratio_sum{kind=\"" + kind + "\"}")).as(kind)
          .isCloseTo(after.get("asr_" + kind).asDouble(), within(1e-9));
    }
    String bucket = "beear_job_asr_after_ratio_bucket{kind=\"triggered\",le=\"";
    List<String> bounds = Arrays.stream(text.split("\n")).filter(l -> l.startsWith(bucket))
        .map(l -> l.substring(bucket.length(), l.indexOf('"', bucket.length()))).toList();
    assertThat(bounds.stream().map(b -> b.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b)))
        .as("buckets for ratios").containsExactly(0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, Double.POSITIVE_INFINITY);
    double triggered = after.get("asr_triggered").asDouble();
    for (String le : bounds) {
      double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
      assertThat(increase(before, text, bucket + le + "\"}")).as("le=" + le + " for ASR " + triggered)
          .isEqualTo(triggered <= bound ? 1 : 0);
    }

    // Nothing is labelled by job: neither a job_id label nor the job's id anywhere in the exposition.
    assertThat(text).doesNotContain("job_id=").doesNotContain(id);
    assertThat(text).doesNotContain("beear_job_asr_ratio", "beear_job_progress_ratio", "beear_job_epoch{");

    HttpResponse<String> readiness = get("/actuator/health/readiness");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(json(readiness).get("status").asText()).isEqualTo("UP");
    assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
  }

  @Test
  void theNumberOfSeriesStaysTheSameHoweverManyJobsRun() throws Exception {
    // One job first, so that every series a job can create exists before the count.
    String modelUri = fileUri(model(uniqueName("cardinality")));
    String body = "{\"model_uri\": \"" + modelUri + "\", \"options\": {\"max_epochs\": 1, \"inner_steps\": 1}}";
    awaitStatus(submit(body), "succeeded");
    Set<String> series = beearSeries(scrape());

    for (int i = 0; i < 8; i++) {
      submit(body);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (jdbc.queryForObject("SELECT count(*) FROM jobs WHERE status IN ('queued','running')", Long.class) > 0) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(beearSeries(scrape())).as("beear series after 8 more jobs").isEqualTo(series);
  }

  /** The beear_* series of an exposition, by name and labels (values left out). */
  private static Set<String> beearSeries(String exposition) {
    return Arrays.stream(exposition.split("\n")).filter(l -> l.startsWith("beear_"))
        .map(l -> l.substring(0, l.lastIndexOf(' '))).collect(Collectors.toSet());
  }
}
