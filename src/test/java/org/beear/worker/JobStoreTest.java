package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.beear.app.ServiceTestBase;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.eval.Rate;
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
 * The writer a claim gets ({@link JobStore#claimed}) adds the claim's fence to every write, so once a second claim of
 * the same job exists (by the same worker, the hardest case), nothing the first one writes lands. The service's own
 * worker is paused (its engine lock held) so only the test claims jobs.
 */
class JobStoreTest extends ServiceTestBase {

  private static final Duration LEASE = Duration.ofMinutes(10);
  private static final int MAX_CRASHES = 3;
  private static final EpochRecord EPOCH =
      new EpochRecord(1, 0.1, 0.2, 0.3, new EvalMetrics(Rate.of(160, 320), Rate.of(0, 320), Rate.of(36, 72),
          Rate.of(90, 100), 3.0, null, null, null), 1.0);

  /** Every write while the job runs: a refused one throws the holder's signal. */
  private static final Map<String, Consumer<ClaimWriter>> RUNNING_WRITES = new LinkedHashMap<>();
  /** Every write that ends the job, with what it returns when it is refused. */
  private static final Map<String, Function<ClaimWriter, Object>> ENDINGS = new LinkedHashMap<>();
  private static final Map<String, Object> REFUSED = Map.of("finish", false, "release", false,
      "crashed", ClaimWriter.CrashOutcome.NOT_HELD);

  static {
    RUNNING_WRITES.put("heartbeat", w -> w.heartbeat(LEASE));
    RUNNING_WRITES.put("cancelRequested", ClaimWriter::cancelRequested);
    RUNNING_WRITES.put("event", w -> w.event(JobStore.INFO, "stale", "{\"a\": 1}"));
    RUNNING_WRITES.put("baseline", w -> w.baseline(EPOCH.metrics()));
    RUNNING_WRITES.put("progress", w -> w.progress(0.75, 12.0));
    RUNNING_WRITES.put("scanResult", w -> w.scanResult("{\"verdict\": \"stale\"}"));
    RUNNING_WRITES.put("plan", w -> w.plan("{\"seed\": 7}", "{\"verdict\": \"fits\"}"));
    RUNNING_WRITES.put("modelChecksum", w -> w.modelChecksum("00"));
    RUNNING_WRITES.put("provenance", w -> w.provenance("0123abcd", "{\"inputs\": []}"));
    RUNNING_WRITES.put("epoch", w -> w.epoch(EPOCH, 0.5, 1.0));
    RUNNING_WRITES.put("policyOutcome", w -> w.policyOutcome("{\"status\": \"stale\"}"));
    ENDINGS.put("finish", w -> w.finish(JobStatus.SUCCEEDED, "{}", null));
    ENDINGS.put("release", w -> w.release("stale"));
    ENDINGS.put("crashed", w -> w.crashed("stale", MAX_CRASHES));
  }

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

    EpochRecord epoch = EPOCH;
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

  @Test
  void theFenceTestsCoverEveryMethodOfTheWriter() {
    List<String> tested = new ArrayList<>(RUNNING_WRITES.keySet());
    tested.addAll(ENDINGS.keySet());
    tested.add("claim");
    assertThat(Arrays.stream(ClaimWriter.class.getDeclaredMethods()).filter(m -> Modifier.isPublic(m.getModifiers()))
        .map(Method::getName).collect(Collectors.toSet())).containsExactlyInAnyOrderElementsOf(tested);
  }

  @Test
  void everyWriteOfASupersededClaimIsRefusedAndChangesNothing() throws Exception {
    UUID id = queue();
    JobStore.Claim first = claim("w", id);
    clock.advance(LEASE.plusSeconds(1));
    store.reapExpiredLeases(MAX_CRASHES);
    JobStore.Claim second = claim("w", id);
    assertThat(second.attempt()).isEqualTo(first.attempt() + 1);
    String row = row(id);
    long events = events(id);

    List<JobStore.Claim> lost = new ArrayList<>();
    ClaimWriter stale = store.claimed(first, new ClaimWriter.Holder() {
      @Override
      public void beforeWrite() {}

      @Override
      public RuntimeException lost(JobStore.Claim claim) {
        lost.add(claim);
        return new Superseded();
      }
    });
    RUNNING_WRITES.forEach((name, write) ->
        assertThatThrownBy(() -> write.accept(stale)).as(name).isInstanceOf(Superseded.class));
    assertThat(lost).as("the holder heard of every refusal").hasSize(RUNNING_WRITES.size()).containsOnly(first);
    ENDINGS.forEach((name, end) -> assertThat(end.apply(stale)).as(name).isEqualTo(REFUSED.get(name)));

    assertThat(row(id)).as("the job's row, lease and progress included").isEqualTo(row);
    assertThat(events(id)).as("no event from the stale claim").isEqualTo(events);
    assertThat(epochs(id)).isZero();

    // the claim that holds the job writes each of them
    ClaimWriter current = store.claimed(second);
    RUNNING_WRITES.values().forEach(write -> write.accept(current));
    assertThat(events(id)).as("its event (an epoch's line in the log is the run's to write)")
        .isEqualTo(events + 1);
    assertThat(epochs(id)).isEqualTo(1);
    Map<String, Object> job = jdbc.queryForMap("SELECT progress, model_sha256, model_revision, current_epoch,"
        + " scan_result::text AS scan, metrics_before IS NOT NULL AS baseline FROM jobs WHERE id = ?", id);
    assertThat(job).containsEntry("progress", 0.75).containsEntry("model_sha256", "00")
        .containsEntry("model_revision", "0123abcd").containsEntry("current_epoch", 1)
        .containsEntry("baseline", true);
    assertThat(current.finish(JobStatus.SUCCEEDED, "{}", null)).isTrue();
    assertThat(status(id)).isEqualTo("succeeded");
  }

  @Test
  void aHolderThatRefusesStopsEveryRunningWriteBeforeItIsMadeThoughTheClaimHoldsTheJob() throws Exception {
    UUID id = queue();
    JobStore.Claim claim = claim("w", id);
    String row = row(id);
    long events = events(id);
    ClaimWriter halted = store.claimed(claim, new ClaimWriter.Holder() {
      @Override
      public void beforeWrite() {
        throw new Superseded();
      }

      @Override
      public RuntimeException lost(JobStore.Claim c) {
        throw new AssertionError("the store was never asked");
      }
    });
    RUNNING_WRITES.forEach((name, write) -> {
      if (!name.equals("cancelRequested")) { // a read: the holder is not asked
        assertThatThrownBy(() -> write.accept(halted)).as(name).isInstanceOf(Superseded.class);
      }
    });
    assertThat(halted.cancelRequested()).isFalse();
    assertThat(row(id)).isEqualTo(row);
    assertThat(events(id)).isEqualTo(events);
    assertThat(epochs(id)).isZero();
    assertThat(store.claimed(claim).finish(JobStatus.CANCELLED, null, null)).isTrue();
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

  private long epochs(UUID id) {
    return jdbc.queryForObject("SELECT count(*) FROM job_epochs WHERE job_id = ?", Long.class, id);
  }

  private String row(UUID id) {
    return jdbc.queryForObject("SELECT row_to_json(j)::text FROM jobs j WHERE id = ?", String.class, id);
  }

  /** What the tests' holders throw. */
  private static final class Superseded extends RuntimeException {}
}
