package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class WorkerCrashResumeTest extends ServiceTestBase {

  @Autowired
  WorkerPool pool;

  @Test
  void jobOfADeadWorkerIsRequeuedAfterItsLeaseAndResumesFromTheCheckpointLosingNothing() throws Exception {
    engine.stepMillis = 60;
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 6, "inner_steps": 2}}"""
        .formatted(fileUri(model(uniqueName("crash")))));
    awaitJob(id, j -> j.get("current_epoch").asInt() >= 2, Duration.ofSeconds(20));
    Worker victim = pool.workers().stream().filter(w -> w.currentJob().isPresent()).findFirst().orElseThrow();
    assertThat(victim.currentJob().orElseThrow().toString()).isEqualTo(id);

    victim.halt(); // as if its process died: no heartbeat, no further writes
    assertThat(victim.awaitTermination(Duration.ofSeconds(5))).isTrue();
    int epochAtCrash = job(id).get("current_epoch").asInt();
    assertThat(job(id).get("status").asText()).as("nobody has noticed yet: the lease still runs").isEqualTo("running");

    clock.advance(Duration.ofSeconds(3)); // past the 2 s lease: the reaper re-queues the job without us waiting
    Worker successor = pool.startWorker();
    JsonNode done = awaitStatus(id, "succeeded");

    assertThat(done.get("attempts").asInt()).isEqualTo(2);
    assertThat(statusEvents(id)).containsExactly("queued", "running", "queued", "running", "succeeded");
    List<Map<String, Object>> epochs = jdbc.queryForList(
        "SELECT epoch, attempt FROM job_epochs WHERE job_id = ?::uuid ORDER BY epoch", id);
    assertThat(epochs).extracting(r -> r.get("epoch")).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(epochs).filteredOn(r -> (int) r.get("epoch") <= epochAtCrash)
        .allSatisfy(r -> assertThat(r.get("attempt")).isEqualTo(1));
    assertThat(epochs).filteredOn(r -> (int) r.get("epoch") > epochAtCrash)
        .allSatisfy(r -> assertThat(r.get("attempt")).isEqualTo(2));

    Path workDir = engine.finishedEpochs.keySet().stream()
        .filter(p -> p.getFileName().toString().equals(id)).findFirst().orElseThrow();
    assertThat(engine.finishedEpochs.get(workDir)).as("every epoch ran exactly once across both workers")
        .containsExactlyElementsOf(IntStream.rangeClosed(1, 6).boxed().toList());

    JsonNode events = json(get("/api/v1/cleanse-jobs/" + id + "/events"));
    String log = events.toString();
    assertThat(log).contains("resumed from checkpoint at epoch " + epochAtCrash);
    assertThat(log).contains("lease expired");
    assertThat(log).contains("running on worker " + victim.id()).contains("running on worker " + successor.id());
    assertThat(events.findValuesAsText("type").stream().filter("epoch"::equals).count()).isEqualTo(6);
    assertThat(done.get("metrics").get("before").isNull()).as("the baseline survives the crash").isFalse();
  }

  @Test
  void epochsInTheCheckpointThatTheJobStoreLacksAreRecordedOnResumeOnce() throws Exception {
    Worker.ENGINE.acquire(); // the worker waits while the test plays the dead process's part
    String id;
    try {
      id = submit("""
          {"model_uri": "%s", "options": {"max_epochs": 4, "inner_steps": 1}}"""
          .formatted(fileUri(model(uniqueName("caught-up")))));
      // a process that died after publishing the checkpoint of epoch 2, before recording either epoch
      Path workDir = ROOT.resolve("data").resolve("work").resolve(id);
      java.nio.file.Files.createDirectories(workDir);
      java.nio.file.Files.writeString(workDir.resolve("checkpoint.json"), "{\"epoch\": 2}");
    } finally {
      Worker.ENGINE.release();
    }
    awaitStatus(id, "succeeded");
    assertThat(jdbc.queryForList("SELECT epoch FROM job_epochs WHERE job_id = ?::uuid ORDER BY epoch", Integer.class,
        id)).containsExactly(1, 2, 3, 4);
    assertThat(jdbc.queryForList("SELECT (data->>'epoch')::int FROM job_events WHERE job_id = ?::uuid"
        + " AND type = 'epoch' ORDER BY id", Integer.class, id)).containsExactly(1, 2, 3, 4);
  }
}
