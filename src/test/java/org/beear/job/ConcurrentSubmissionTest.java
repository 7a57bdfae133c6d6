package org.beear.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * 1,000 submissions at once (plus retries of some with their idempotency key) while several claimers race the
 * service's own worker for the queue, as worker replicas on one database would.
 */
class ConcurrentSubmissionTest extends ServiceTestBase {

  private static final int JOBS = 1000;
  private static final int RETRIED = 100;
  private static final int CLAIMERS = 6;

  @Autowired
  JobStore store;

  @Test
  void everySubmissionIsStoredOnceAndEveryJobClaimedOnce() throws Exception {
    engine.stepMillis = 1;
    String modelUri = fileUri(model(uniqueName("burst")));
    long jobsBefore = jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class);
    String batch = UUID.randomUUID().toString();

    Map<UUID, String> claimedBy = new ConcurrentHashMap<>();
    AtomicInteger doubleClaims = new AtomicInteger();
    AtomicBoolean submitting = new AtomicBoolean(true);
    ExecutorService claimers = Executors.newFixedThreadPool(CLAIMERS);
    List<Future<Integer>> claimerRuns = new ArrayList<>();
    for (int c = 0; c < CLAIMERS; c++) {
      String workerId = "replica-" + c;
      claimerRuns.add(claimers.submit(() -> {
        int claimed = 0;
        while (true) {
          Optional<JobStore.Claim> claim = store.claimNext(workerId, Duration.ofMinutes(1));
          if (claim.isEmpty()) {
            if (!submitting.get()) {
              return claimed;
            }
            Thread.sleep(5);
            continue;
          }
          if (claimedBy.putIfAbsent(claim.get().jobId(), workerId) != null) {
            doubleClaims.incrementAndGet();
          }
          claimed++;
          assertThat(store.claimed(claim.get()).finish(JobStatus.SUCCEEDED, null, null)).isTrue();
        }
      }));
    }

    ExecutorService clients = Executors.newFixedThreadPool(16);
    List<Future<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < JOBS + RETRIED; i++) {
      int n = i < JOBS ? i : i - JOBS; // the last RETRIED requests repeat the first ones
      String body = """
          {"model_uri": "%s", "options": {"max_epochs": 1, "inner_steps": 1, "seed": %d}}"""
          .formatted(modelUri, n);
      responses.add(clients.submit(() -> postJson("/api/v1/cleanse-jobs", body, "Idempotency-Key", batch + "-" + n)));
    }
    Set<String> ids = ConcurrentHashMap.newKeySet();
    int created = 0;
    int replayed = 0;
    for (Future<HttpResponse<String>> f : responses) {
      HttpResponse<String> response = f.get();
      assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
      if (response.statusCode() == 201) {
        created++;
      } else {
        replayed++;
      }
      ids.add(json(response).get("id").asText());
    }
    clients.shutdown();

    assertThat(created).isEqualTo(JOBS);
    assertThat(replayed).isEqualTo(RETRIED);
    assertThat(ids).hasSize(JOBS);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class)).isEqualTo(jobsBefore + JOBS);

    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (jdbc.queryForObject("SELECT count(*) FROM jobs WHERE status IN ('queued','running')", Long.class) > 0) {
      assertThat(System.nanoTime()).as("the queue drains").isLessThan(deadline);
      Thread.sleep(100);
    }
    submitting.set(false);
    int claimedByReplicas = 0;
    for (Future<Integer> run : claimerRuns) {
      claimedByReplicas += run.get();
    }
    claimers.shutdown();

    assertThat(doubleClaims.get()).isZero();
    List<Map<String, Object>> rows = jdbc.queryForList("""
        SELECT j.id, j.status, j.attempts,
               (SELECT count(*) FROM job_events e WHERE e.job_id = j.id AND e.type = 'status'
                   AND e.data->>'status' = 'running') AS runs
          FROM jobs j WHERE j.idempotency_key LIKE ?""", batch + "-%");
    assertThat(rows).hasSize(JOBS);
    assertThat(rows).allSatisfy(r -> {
      assertThat(r.get("status")).isEqualTo("succeeded");
      assertThat(r.get("attempts")).isEqualTo(1);
      assertThat(r.get("runs")).isEqualTo(1L);
    });
    assertThat(claimedByReplicas).as("the racing replicas got work").isPositive();
    long byServiceWorker = rows.stream().filter(r -> !claimedBy.containsKey((UUID) r.get("id"))).count();
    assertThat(claimedByReplicas + byServiceWorker).isEqualTo(JOBS);
  }
}
