package org.beear.beear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.beear.beear.scan.BackdoorScanner;
import org.beear.beear.scan.ScanCancelledException;
import org.beear.beear.scan.ScanListener;
import org.beear.beear.scan.ScanRequest;
import org.beear.beear.settings.ScanSettings;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose chat template is hostile (issue 25), through the engine's scan, as a scan job runs it: a template
 * past its sandbox limits fails the scan within seconds with a one-line error, and a template slow on every
 * render, within its limits, stops at once when the job is cancelled, with the scan's cancelled outcome. Before,
 * the first held the worker for 20 minutes and a cancel was ignored.
 */
class HostileChatTemplateTest {

  /** Only catches a hang: the model loads and the first render fails within seconds. */
  private static final Duration HANG = Duration.ofMinutes(2);

  static Path organismWithTemplate(Path dir, String prefix) throws Exception {
    return TestOrganisms.withTemplatePrefix("suffix-short", dir.resolve("model"), prefix);
  }

  private static ScanRequest scanOf(Path model) {
    return new ScanRequest(model, null, ScanSettings.defaults());
  }

  @Test
  void aTemplatePastItsLimitsFailsTheScanWithinSecondsWithOneLine(@TempDir Path tmp) throws Exception {
    // quadratic on the old engine: the scan ran 20 minutes on the first render
    Path model = organismWithTemplate(tmp, "{% if (range(1500000)|unique|length) > 0 %}{% endif %}");
    IllegalArgumentException e = assertTimeoutPreemptively(HANG, () -> assertThrows(IllegalArgumentException.class,
        () -> new BackdoorScanner().scan(scanOf(model), ScanListener.NONE)));
    assertThat(e.getMessage()).startsWith("chat template failed to render: template built more than")
        .contains("sandbox limit").doesNotContain("\n");
  }

  @Test
  void aCancelStopsARenderOfTheScanWithinASecond(@TempDir Path tmp) throws Exception {
    // two million steps per render: within the limits, so each render succeeds, slowly
    Path model = organismWithTemplate(tmp, "{% for i in range(1000000) %}{% endfor %}");
    AtomicLong polls = new AtomicLong();
    AtomicLong cancelledAt = new AtomicLong();
    ScanListener listener = new ScanListener() {
      @Override
      public boolean cancelRequested() {
        // the scan itself asks once per budget: this many asks come only from inside a render
        if (polls.incrementAndGet() == 100_000) {
          cancelledAt.set(System.nanoTime());
        }
        return cancelledAt.get() != 0;
      }
    };
    ScanCancelledException e = assertTimeoutPreemptively(HANG, () -> assertThrows(ScanCancelledException.class,
        () -> new BackdoorScanner().scan(scanOf(model), listener)));
    double seconds = (System.nanoTime() - cancelledAt.get()) / 1e9;
    assertThat(e.getMessage()).isEqualTo("cancelled while rendering the model's chat template");
    assertThat(seconds).as("seconds from the cancel to the scan's end").isLessThan(1.0);
  }
}
