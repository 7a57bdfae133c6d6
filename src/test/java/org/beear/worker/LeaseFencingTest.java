package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A worker whose lease was taken over (its process stalled past the lease, the reaper re-queued the job and
 * another worker claimed it) must write nothing more: no event, no epoch, no checkpoint, no output.
 */
class LeaseFencingTest extends ServiceTestBase {

  @Autowired
  WorkerPool pool;

  @Test
  void aWorkerThatLostItsLeaseStopsWritingAndPublishesNothing() throws Exception {
    engine.stepMillis = 40;
    Path output = ROOT.resolve("outputs").resolve(uniqueName("fenced"));
    String id = submit("""
        {"model_uri": "%s", "output_uri": "%s", "options": {"max_epochs": 50, "inner_steps": 2}}"""
        .formatted(fileUri(model(uniqueName("fenced"))), fileUri(output)));
    awaitJob(id, j -> j.get("current_epoch").asInt() >= 1, Duration.ofSeconds(20));
    Path checkpoint = engine.finishedEpochs.keySet().stream()
        .filter(p -> p.getFileName().toString().equals(id)).findFirst().orElseThrow().resolve("checkpoint.json");
    String checkpointAtTakeover;

    // Another claim takes the job over, as after the reaper re-queued it and another worker claimed it.
    jdbc.update("UPDATE jobs SET worker_id = 'successor', attempts = attempts + 1 WHERE id = ?::uuid", id);
    checkpointAtTakeover = Files.readString(checkpoint);
    long eventsAtTakeover = events(id);
    int epochsAtTakeover = epochs(id);

    awaitJob(id, j -> pool.workers().stream().noneMatch(w -> w.currentJob().isPresent()), Duration.ofSeconds(10));
    assertThat(events(id)).as("no event from the fenced-off worker").isEqualTo(eventsAtTakeover);
    assertThat(epochs(id)).isEqualTo(epochsAtTakeover);
    assertThat(Files.readString(checkpoint)).as("no checkpoint published after the takeover")
        .isEqualTo(checkpointAtTakeover);
    assertThat(output).doesNotExist();
    assertThat(job(id).get("status").asText()).as("the job is the successor's to end").isEqualTo("running");

    // let the drain in the base class end it: the successor never heart-beats, so the reaper takes it back
    jdbc.update("UPDATE jobs SET lease_expires_at = now() - interval '1 minute' WHERE id = ?::uuid", id);
  }

  private long events(String id) {
    return jdbc.queryForObject("SELECT count(*) FROM job_events WHERE job_id = ?::uuid", Long.class, id);
  }

  private int epochs(String id) {
    return jdbc.queryForObject("SELECT count(*) FROM job_epochs WHERE job_id = ?::uuid", Integer.class, id);
  }
}
