package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.beear.app.ServiceTestBase;
import org.beear.beear.CleanseListener;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.scan.BudgetRow;
import org.beear.beear.scan.ScanListener;
import org.beear.eval.Rate;
import org.beear.job.JobKind;
import org.beear.job.JobStatus;
import org.beear.job.JobStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A cleanse run and a scan run, chosen by the worker from their claims, report what their engines tell them through
 * the one claim-bound writer: while the claim holds, each callback lands on the job; once a second claim of the job
 * exists, each callback stops the engine and writes nothing, and the run knows it must stop. The service's own worker
 * is paused (its engine lock held) so the test claims the jobs and plays the engines' part.
 */
class ClaimBoundRunsTest extends ServiceTestBase {

  private static final Duration LEASE = Duration.ofMinutes(10);
  private static final int MAX_CRASHES = 3;

  @Autowired
  JobStore store;
  @Autowired
  WorkerPool pool;

  @Test
  void theWorkerHasARunForEveryKindOfJob() {
    assertThat(Worker.RUNS).containsOnlyKeys(JobKind.values());
  }

  @Test
  void aCleanseRunAndAScanRunReportThroughTheirClaimsWriterAndWriteNothingOnceItIsSuperseded() throws Exception {
    Map<JobKind, JobStore.Claim> claims = new EnumMap<>(JobKind.class);
    Map<JobKind, JobStore.Claim> successors = new EnumMap<>(JobKind.class);
    Worker.ENGINE.acquire();
    try {
      UUID cleanse = UUID.fromString(submit("""
          {"model_uri": "%s", "options": {"max_epochs": 4}}""".formatted(fileUri(model(uniqueName("run"))))));
      UUID scan = UUID.fromString(json(postJson("/api/v1/scan-jobs", """
          {"model_uri": "%s"}""".formatted(fileUri(model(uniqueName("run")))))).get("id").asText());
      claimBoth(claims);
      assertThat(claims.get(JobKind.CLEANSE).jobId()).isEqualTo(cleanse);
      assertThat(claims.get(JobKind.SCAN).jobId()).isEqualTo(scan);
      JobRun cleanseRun = Worker.RUNS.get(JobKind.CLEANSE).start(claims.get(JobKind.CLEANSE), pool.context());
      JobRun scanRun = Worker.RUNS.get(JobKind.SCAN).start(claims.get(JobKind.SCAN), pool.context());
      assertThat(cleanseRun).isInstanceOf(CleanseRun.class);
      assertThat(scanRun).isInstanceOf(ScanRun.class);
      CleanseListener cleanseEngine = (CleanseListener) cleanseRun;
      ScanListener scanEngine = (ScanListener) scanRun;

      EvalMetrics before = new EvalMetrics(Rate.of(288, 320), Rate.of(6, 320), Rate.of(65, 72),
          Rate.of(80, 100), 12.0, null, null, Rate.of(10, 250));
      EpochRecord epoch = new EpochRecord(1, 2.0, 1.0, 0.5, before, 0.1);
      BudgetRow row = new BudgetRow(0.25, 0.5, 0.4, null, null, 0.1);
      cleanseEngine.event("phase", "evaluating before cleansing");
      cleanseEngine.baseline(before);
      cleanseEngine.epoch(epoch, 0.25);
      scanEngine.event("scanning", "sweeping the suspect");
      scanEngine.budget("suspect", BehaviourFamily.HARMFUL_COMPLIANCE, row, 0.25);
      assertThat(eventTypes(cleanse)).containsSubsequence("phase", "baseline", "epoch");
      assertThat(eventTypes(scan)).containsSubsequence("scanning", "budget");
      assertThat(jdbc.queryForList("SELECT attempt FROM job_epochs WHERE job_id = ?", Integer.class, cleanse))
          .containsExactly(claims.get(JobKind.CLEANSE).attempt());
      assertThat(jdbc.queryForObject("SELECT progress FROM jobs WHERE id = ?", Double.class, scan)).isEqualTo(0.25);
      assertThat(cleanseEngine.cancelRequested()).isFalse();
      assertThat(scanEngine.cancelRequested()).isFalse();

      // a second claim of each job, by the same worker: the runs hold claims that hold nothing now
      clock.advance(LEASE.plusSeconds(1));
      store.reapExpiredLeases(MAX_CRASHES);
      claimBoth(successors);
      String cleanseRow = row(cleanse);
      String scanRow = row(scan);
      long cleanseEvents = eventTypes(cleanse).size();
      long scanEvents = eventTypes(scan).size();

      EpochRecord next = new EpochRecord(2, 1.0, 0.5, 0.5, before, 0.1);
      assertThatThrownBy(() -> cleanseEngine.epoch(next, 0.5)).isInstanceOf(RunFencedException.class);
      assertThat(cleanseEngine.cancelRequested()).as("the cleanse stops").isTrue();
      assertThatThrownBy(() -> cleanseEngine.event("phase", "late")).isInstanceOf(RunFencedException.class);
      assertThatThrownBy(() -> cleanseEngine.baseline(before)).isInstanceOf(RunFencedException.class);
      assertThatThrownBy(() -> cleanseEngine.resumed(List.of(next))).isInstanceOf(RunFencedException.class);
      assertThatThrownBy(() -> cleanseEngine.step("removal", 0.1)).isInstanceOf(RunFencedException.class);
      assertThatThrownBy(() -> cleanseEngine.beforeCommit("checkpoint of epoch 2"))
          .isInstanceOf(RunFencedException.class);
      assertThatThrownBy(() -> scanEngine.budget("suspect", BehaviourFamily.HARMFUL_COMPLIANCE, row, 0.5))
          .isInstanceOf(RunFencedException.class);
      assertThat(scanEngine.cancelRequested()).as("the scan stops").isTrue();
      assertThatThrownBy(() -> scanEngine.event("scanning", "late")).isInstanceOf(RunFencedException.class);

      assertThat(row(cleanse)).isEqualTo(cleanseRow);
      assertThat(row(scan)).isEqualTo(scanRow);
      assertThat(eventTypes(cleanse)).hasSize((int) cleanseEvents);
      assertThat(eventTypes(scan)).hasSize((int) scanEvents);
      assertThat(jdbc.queryForObject("SELECT count(*) FROM job_epochs WHERE job_id = ?", Long.class, cleanse))
          .isEqualTo(1);
    } finally {
      successors.values().forEach(c -> store.claimed(c).finish(JobStatus.CANCELLED, null, null));
      Worker.ENGINE.release();
    }
  }

  /** Claims the two queued jobs (everything else was drained by the base class), keyed by their kind. */
  private void claimBoth(Map<JobKind, JobStore.Claim> claims) {
    for (int i = 0; i < 2; i++) {
      JobStore.Claim claim = store.claimNext("w", LEASE).orElseThrow();
      claims.put(claim.kind(), claim);
    }
    assertThat(claims).containsOnlyKeys(JobKind.values());
  }

  private List<String> eventTypes(UUID id) {
    return jdbc.queryForList("SELECT type FROM job_events WHERE job_id = ? ORDER BY id", String.class, id);
  }

  private String row(UUID id) {
    return jdbc.queryForObject("SELECT row_to_json(j)::text FROM jobs j WHERE id = ?", String.class, id);
  }
}
