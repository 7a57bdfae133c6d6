package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.beear.app.ServiceTestBase;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.job.JobStatus;
import org.beear.job.JobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The job store's claims, fences and lease expiry, driven by the test's clock: no test here waits for a lease.
 * The service's own worker is paused (its engine lock held) so only the test claims jobs.
 */
class JobStoreTest extends ServiceTestBase {

  private static final Duration LEASE = Duration.ofMinutes(10);
  private static final int MAX_CRASHES = 3;

  @Autowired
  JobStore store;

  @BeforeEach
  void pauseServiceWorker() throws InterruptedException {
    Worker.ENGINE.acquire();
  }

  @AfterEach
  void resumeServiceWorker() {
    Worker.ENGINE.release();
  }

  @Test
  void aLeaseExpiresWhenTheClockSaysSoAndNotBefore() throws Exception {
    UUID id = queue();
    JobStore.Claim a = claim("a", id);

    assertThat(store.reapExpiredLeases(MAX_CRASHES)).as("the lease still runs").isZero();
    clock.advance(LEASE.plusSeconds(1));
    assertThat(reap(id)).isEqualTo("queued");
    assertThat(jdbc.queryForObject("SELECT crashes FROM jobs WHERE id = ?", Integer.class, id)).isEqualTo(1);
    assertThat(store.heartbeat(a, LEASE)).as("the expired claim holds nothing").isEmpty();
  }

  @Test
  void aClaimThatWasTakenOverWritesNothingEvenWhenTheSameWorkerHoldsTheJobAgain() throws Exception {
    UUID id = queue();
    JobStore.Claim first = claim("w", id);
    clock.advance(LEASE.plusSeconds(1));
    reap(id);
    JobStore.Claim second = claim("w", id);
    assertThat(second.attempt()).isEqualTo(first.attempt() + 1);
    long eventsBefore = events(id);

    EpochRecord epoch = new EpochRecord(1, 0.1, 0.2, 0.3, new EvalMetrics(0.5, 0.0, 0.5, 0.9, 3.0, null, null), 1.0);
    assertThat(store.heartbeat(first, LEASE)).isEmpty();
    assertThat(store.cancelRequested(first)).isEmpty();
    assertThat(store.event(first, JobStore.INFO, "stale", null)).isFalse();
    assertThat(store.epoch(first, epoch, 0.5, 1.0)).isEqualTo(JobStore.EpochWrite.NOT_HELD);
    assertThat(store.baseline(first, epoch.metrics())).isFalse();
    assertThat(store.modelChecksum(first, "00")).isFalse();
    assertThat(store.plan(first, "{}", "{}")).isFalse();
    assertThat(store.release(first, "stale")).isFalse();
    assertThat(store.crashed(first, "stale", MAX_CRASHES)).isEqualTo(JobStore.CrashOutcome.NOT_HELD);
    assertThat(store.finish(first, JobStatus.SUCCEEDED, null, null)).isFalse();
    assertThat(events(id)).as("no event from the stale claim").isEqualTo(eventsBefore);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM job_epochs WHERE job_id = ?", Long.class, id)).isZero();

    assertThat(store.epoch(second, epoch, 0.5, 1.0)).isEqualTo(JobStore.EpochWrite.RECORDED);
    assertThat(store.epoch(second, epoch, 0.5, 1.0)).as("an epoch is recorded once")
        .isEqualTo(JobStore.EpochWrite.ALREADY_RECORDED);
    assertThat(store.finish(second, JobStatus.SUCCEEDED, null, null)).isTrue();
    assertThat(status(id)).isEqualTo("succeeded");
  }

  @Test
  void gracefulReleasesUseUpNoAttemptsButLostLeasesDo() throws Exception {
    UUID id = queue();
    for (int i = 0; i < MAX_CRASHES + 2; i++) {
      assertThat(store.release(claim("shutting-down-" + i, id), "worker shutting down")).isTrue();
    }
    for (int crash = 1; crash < MAX_CRASHES; crash++) {
      claim("dies-" + crash, id);
      clock.advance(LEASE.plusSeconds(1));
      assertThat(reap(id)).as("crash %d of %d", crash, MAX_CRASHES).isEqualTo("queued");
    }
    claim("dies-last", id);
    clock.advance(LEASE.plusSeconds(1));
    assertThat(reap(id)).isEqualTo("failed");
    assertThat(jdbc.queryForObject("SELECT error FROM jobs WHERE id = ?", String.class, id))
        .contains("worker lost " + MAX_CRASHES + " times");
  }

  @Test
  void anErrorInARunIsACrashThatRequeuesTheJobUntilItsCrashesAreUsedUp() throws Exception {
    UUID id = queue();
    for (int crash = 1; crash < MAX_CRASHES; crash++) {
      assertThat(store.crashed(claim("w" + crash, id), "OutOfMemoryError: Java heap space", MAX_CRASHES))
          .isEqualTo(JobStore.CrashOutcome.REQUEUED);
      assertThat(status(id)).isEqualTo("queued");
    }
    assertThat(store.crashed(claim("w-last", id), "OutOfMemoryError: Java heap space", MAX_CRASHES))
        .isEqualTo(JobStore.CrashOutcome.FAILED);
    assertThat(status(id)).isEqualTo("failed");
    assertThat(jdbc.queryForObject("SELECT error FROM jobs WHERE id = ?", String.class, id))
        .isEqualTo("crashed 3 times; last: OutOfMemoryError: Java heap space");
  }

  /** A queued job of its own, first in the queue: everything else was drained by the base class. */
  private UUID queue() throws Exception {
    String id = submit("""
        {"model_uri": "%s"}""".formatted(fileUri(model(uniqueName("store")))));
    return UUID.fromString(id);
  }

  private JobStore.Claim claim(String worker, UUID expected) {
    Optional<JobStore.Claim> claim = store.claimNext(worker, LEASE);
    assertThat(claim).as("a queued job to claim").isPresent();
    assertThat(claim.get().jobId()).isEqualTo(expected);
    return claim.get();
  }

  private String reap(UUID id) {
    store.reapExpiredLeases(MAX_CRASHES);
    return status(id);
  }

  private String status(UUID id) {
    return jdbc.queryForObject("SELECT status FROM jobs WHERE id = ?", String.class, id);
  }

  private long events(UUID id) {
    return jdbc.queryForObject("SELECT count(*) FROM job_events WHERE job_id = ?", Long.class, id);
  }
}
