package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.beear.app.ServiceTestBase;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.job.ClaimLostException;
import org.beear.job.ClaimWriter;
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
    assertThatThrownBy(() -> store.claimed(a).heartbeat(LEASE)).as("the expired claim holds nothing")
        .isInstanceOf(ClaimLostException.class);
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
    ClaimWriter stale = store.claimed(first);
    assertThatThrownBy(() -> stale.heartbeat(LEASE)).isInstanceOf(ClaimLostException.class);
    assertThatThrownBy(stale::cancelRequested).isInstanceOf(ClaimLostException.class);
    assertThatThrownBy(() -> stale.event(JobStore.INFO, "stale", null)).isInstanceOf(ClaimLostException.class);
    assertThatThrownBy(() -> stale.epoch(epoch, 0.5, 1.0)).isInstanceOf(ClaimLostException.class);
    assertThatThrownBy(() -> stale.baseline(epoch.metrics())).isInstanceOf(ClaimLostException.class);
    assertThatThrownBy(() -> stale.modelChecksum("00")).isInstanceOf(ClaimLostException.class);
    assertThatThrownBy(() -> stale.plan("{}", "{}")).isInstanceOf(ClaimLostException.class);
    assertThat(stale.release("stale")).isFalse();
    assertThat(stale.crashed("stale", MAX_CRASHES)).isEqualTo(ClaimWriter.CrashOutcome.NOT_HELD);
    assertThat(stale.finish(JobStatus.SUCCEEDED, null, null)).isFalse();
    assertThat(events(id)).as("no event from the stale claim").isEqualTo(eventsBefore);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM job_epochs WHERE job_id = ?", Long.class, id)).isZero();

    ClaimWriter current = store.claimed(second);
    assertThat(current.epoch(epoch, 0.5, 1.0)).isEqualTo(ClaimWriter.EpochWrite.RECORDED);
    assertThat(current.epoch(epoch, 0.5, 1.0)).as("an epoch is recorded once")
        .isEqualTo(ClaimWriter.EpochWrite.ALREADY_RECORDED);
    assertThat(current.finish(JobStatus.SUCCEEDED, null, null)).isTrue();
    assertThat(status(id)).isEqualTo("succeeded");
  }

  @Test
  void gracefulReleasesUseUpNoAttemptsButLostLeasesDo() throws Exception {
    UUID id = queue();
    for (int i = 0; i < MAX_CRASHES + 2; i++) {
      assertThat(store.claimed(claim("shutting-down-" + i, id)).release("worker shutting down")).isTrue();
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
      assertThat(store.claimed(claim("w" + crash, id)).crashed("OutOfMemoryError: Java heap space", MAX_CRASHES))
          .isEqualTo(ClaimWriter.CrashOutcome.REQUEUED);
      assertThat(status(id)).isEqualTo("queued");
    }
    assertThat(store.claimed(claim("w-last", id)).crashed("OutOfMemoryError: Java heap space", MAX_CRASHES))
        .isEqualTo(ClaimWriter.CrashOutcome.FAILED);
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
