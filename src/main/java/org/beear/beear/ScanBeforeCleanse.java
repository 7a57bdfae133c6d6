package org.beear.beear;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.loop.Timings;
import org.beear.beear.scan.BackdoorScanner;
import org.beear.beear.scan.ScanCancelledException;
import org.beear.beear.scan.ScanListener;
import org.beear.beear.scan.ScanResult;
import org.beear.beear.scan.ScanSummary;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.beear.settings.ScanOptions;
import org.beear.beear.settings.ScanSettings;
import org.beear.files.DurableFiles;
import org.beear.llm.CheckedModel;

/**
 * Option {@code scan}: the trigger-free backdoor scan ({@link BackdoorScanner}) of the suspect model, run before the
 * cleanse loads it, with the built-in calibration and the cleanse's seed, device, system prompt, anchor layer and
 * perturbation length. The scanner loads and closes a model of its own, so it holds DJL's one gradient collector
 * only while the cleanse holds none.
 *
 * <p>The outcome is kept in the work directory ({@value #FILE}, replaced atomically and forced to disk), so a cleanse
 * resumed from its checkpoint, or retried after a crash, reuses it instead of scanning again. It is reused only for
 * the same scan settings; the work directory belongs to one model, as its checkpoints do.
 */
final class ScanBeforeCleanse {
  static final String FILE = "scan.json";
  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** What {@value #FILE} holds: the settings the scan ran with and its outcome. */
  record Saved(ScanSettings settings, ScanSummary scan) {}

  private ScanBeforeCleanse() {}

  /**
   * Scans {@code request.modelDir()} if the settings ask for it (else returns null), or reuses an earlier attempt's
   * outcome; tells the listener the verdict as a {@code scan} event.
   *
   * @throws CleanseCancelledException if the listener asked to stop during the scan
   */
  static ScanSummary run(CleanseRequest request, CheckedModel model, CleanseSettings s, CleanseListener listener,
      Timings timings) {
    if (!s.checks().scan()) {
      return null;
    }
    ScanSettings settings = ScanOptions.defaults().with(ScanOptions.SEED, s.schedule().seed())
        .with(BeearOptions.DEVICE, s.runtime().device().wireName()).with(BeearOptions.SYSTEM_PROMPT,
            s.runtime().systemPrompt())
        .with(BeearOptions.ANCHOR_LAYER, s.entrapment().anchorLayer())
        .with(BeearOptions.PERTURBATION_LENGTH, s.entrapment().perturbationLength())
        .with(BeearOptions.JUDGE, s.evaluation().judge()).toSettings();
    Path file = request.workDir().resolve(FILE);
    Saved saved = read(file);
    if (saved != null && settings.equals(saved.settings())) {
      listener.event("scan", saved.scan().line() + "; scanned by an earlier attempt of this cleanse");
      listener.scanned(saved.scan());
      return saved.scan();
    }
    listener.event("scanning", "scanning the model for a backdoor before cleansing (built-in calibration)");
    ScanResult result;
    try {
      result = timings.time("scan", () -> new BackdoorScanner().scan(model, null, settings, progress(listener)));
    } catch (ScanCancelledException e) {
      throw new CleanseCancelledException("cancelled during the scan: " + e.getMessage());
    }
    ScanSummary scan = ScanSummary.of(result);
    try {
      DurableFiles.writeAtomically(file, JSON.writeValueAsBytes(new Saved(settings, scan)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
    }
    listener.event("scan", scan.line());
    listener.scanned(scan);
    return scan;
  }

  /** The scanner's progress as the cleanse's {@code scanning} events, and the cleanse's cancellation. */
  private static ScanListener progress(CleanseListener listener) {
    return new ScanListener() {
      @Override
      public void event(String type, String message) {
        if (!type.equals("done")) { // its verdict becomes the cleanse's scan event
          listener.event("scanning", message);
        }
      }

      @Override
      public boolean cancelRequested() {
        return listener.cancelRequested();
      }
    };
  }

  /** An earlier attempt's outcome; null when there is none or it cannot be read (then the model is scanned again). */
  private static Saved read(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return JSON.readValue(file.toFile(), Saved.class);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
