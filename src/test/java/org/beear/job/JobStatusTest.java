package org.beear.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JobStatusTest {

  @Test
  void onlyTheDocumentedTransitionsAreLegal() {
    StringBuilder legal = new StringBuilder();
    for (JobStatus from : JobStatus.values()) {
      for (JobStatus to : JobStatus.values()) {
        if (from.canTransitionTo(to)) {
          legal.append(from.wireName()).append("->").append(to.wireName()).append(' ');
        }
      }
    }
    assertThat(legal.toString().trim()).isEqualTo(
        "queued->running queued->cancelled running->queued running->succeeded running->failed running->cancelled");
    assertThat(JobStatus.fromWireName("running")).isEqualTo(JobStatus.RUNNING);
    assertThatThrownBy(() -> JobStatus.fromWireName("RUNNING")).hasMessageContaining("unknown status");
  }
}
