package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A job whose run throws an {@link Error} (not an Exception) must neither kill the worker thread nor run forever:
 * each one counts as a crash, the job resumes from its checkpoint until its attempts are used up, then fails; the
 * worker goes on with the next job. And when no worker thread is left, liveness says so.
 */
class PoisonJobTest extends ServiceTestBase {

  @Autowired
  WorkerPool pool;

  @AfterEach
  void clearErrors() {
    engine.errors.clear();
  }

  @Test
  void anErrorInARunIsRetriedAsACrashThenFailsTheJobAndTheWorkerLivesOn() throws Exception {
    String poison = uniqueName("poison");
    engine.errors.put(poison, () -> new StackOverflowError("deep recursion in a tokenizer"));
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 5, "inner_steps": 1}}""".formatted(fileUri(model(poison))));

    JsonNode failed = awaitStatus(id, "failed");
    assertThat(failed.get("error").asText())
        .isEqualTo("crashed 3 times; last: StackOverflowError: deep recursion in a tokenizer");
    assertThat(statusEvents(id)).containsExactly("queued", "running", "queued", "running", "queued", "running",
        "failed");
    assertThat(jdbc.queryForList("SELECT epoch FROM job_epochs WHERE job_id = ?::uuid ORDER BY epoch",
        Integer.class, id)).as("each run resumed after the epoch the previous one finished").containsExactly(1, 2, 3);

    assertThat(pool.aliveWorkers()).as("the worker thread survived three errors").isEqualTo(1);
    String healthy = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 1, "inner_steps": 1}}"""
        .formatted(fileUri(model(uniqueName("healthy")))));
    awaitStatus(healthy, "succeeded");
  }

  @Test
  void livenessIsDownWhileNoWorkerThreadIsAlive() throws Exception {
    assertThat(get("/livez").statusCode()).isEqualTo(200);
    for (Worker worker : pool.workers()) {
      worker.halt();
      assertThat(worker.awaitTermination(Duration.ofSeconds(5))).isTrue();
    }
    HttpResponse<String> down = get("/livez");
    assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
    assertThat(get("/readyz").statusCode()).as("readiness is another question").isEqualTo(200);

    pool.startWorker();
    assertThat(get("/livez").statusCode()).isEqualTo(200);
  }
}
