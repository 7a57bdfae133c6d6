package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.beear.app.BeearProperties;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A job's work directory (its checkpoints) is kept while the job can resume and removed once it has ended for
 * good; so are the directories of jobs the database does not know, and partial downloads nobody writes any more.
 */
class WorkDirectorySweeperTest extends ServiceTestBase {

  @Autowired
  WorkDirectorySweeper sweeper;
  @Autowired
  BeearProperties properties;

  private Path workDir(String id) {
    return properties.workDir(id).toAbsolutePath();
  }

  private String submitOn(String model, int epochs) {
    return submit("{\"model_uri\": \"" + model + "\", \"options\": {\"max_epochs\": " + epochs + "}}");
  }

  @Test
  void workDirectoriesGoWhenTheirJobEndsForGoodAndStayWhileItCanResume() throws Exception {
    String model = fileUri(model(uniqueName("swept")));
    String finished = submitOn(model, 1);
    awaitStatus(finished, "succeeded");
    assertThat(engine.finishedEpochs).as("it checkpointed into its work directory").containsKey(workDir(finished));

    engine.stepMillis = 200;
    String running = submitOn(model, 50);
    awaitJob(running, j -> j.get("current_epoch").asInt() >= 1, Duration.ofSeconds(30));
    String waiting = submitOn(model, 50);
    // as if an earlier attempt had checkpointed: the job may still resume from it
    Files.createDirectories(workDir(waiting).resolve("checkpoint"));
    Path unknown = Files.createDirectories(workDir(UUID.randomUUID().toString()).resolve("checkpoint"));
    Path notAJob = Files.createDirectories(workDir("lost+found"));

    WorkDirectorySweeper.Sweep sweep = sweeper.sweep();

    assertThat(job(running).get("status").asText()).isEqualTo("running");
    assertThat(job(waiting).get("status").asText()).isIn("queued", "running");
    assertThat(workDir(running)).as("running: it may resume").isDirectory();
    assertThat(workDir(waiting)).as("queued: it may resume").isDirectory();
    assertThat(workDir(finished)).as("succeeded").doesNotExist();
    assertThat(unknown.getParent()).as("no such job").doesNotExist();
    assertThat(notAJob).as("not named by a job id: not ours").isDirectory();
    assertThat(sweep.workDirectories()).doesNotContain(workDir(running), workDir(waiting));

    jobService.cancel(TENANT, running);
    awaitStatus(running, "cancelled");
    sweeper.sweep();
    assertThat(workDir(running)).as("cancelled").doesNotExist();
    assertThat(workDir(waiting)).isDirectory();

    assertThat(sweeper.discard(UUID.fromString(waiting))).isTrue();
    assertThat(workDir(waiting)).doesNotExist();
    assertThat(sweeper.discard(UUID.fromString(waiting))).as("nothing left to discard").isFalse();
  }

  @Test
  void partialDownloadsNobodyWritesAnyMoreAreSwept() throws Exception {
    Path downloads = Files.createDirectories(properties.downloadCacheDir().resolve("downloads"));
    Path dead = Files.write(downloads.resolve(UUID.randomUUID() + ".part"), new byte[100]);
    Files.setLastModifiedTime(dead, FileTime.from(Instant.now().minus(Duration.ofDays(1))));
    Path live = Files.write(downloads.resolve(UUID.randomUUID() + ".part"), new byte[100]);

    sweeper.sweep();

    assertThat(dead).doesNotExist();
    assertThat(live).as("written just now: perhaps by another process's download").exists();
    Files.delete(live);
  }
}
