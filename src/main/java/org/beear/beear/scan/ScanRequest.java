package org.beear.beear.scan;

import java.nio.file.Path;
import java.util.Objects;
import org.beear.beear.settings.ScanSettings;

/**
 * One backdoor scan: the suspect model, optionally a clean reference of the same family (e.g. the base model the
 * suspect was tuned from), and how to sweep.
 *
 * @param modelDir     the suspect: a local Hugging Face model directory
 * @param referenceDir a clean model of the same family scanned the same way, whose flip budgets calibrate the
 *                     verdict; null: the built-in calibration (valid for beear's organisms only)
 * @param settings     the sweep
 * @param baseDir      when {@code modelDir} holds a PEFT LoRA adapter, the full model it applies to; else null
 */
public record ScanRequest(Path modelDir, Path referenceDir, ScanSettings settings, Path baseDir) {

  public ScanRequest {
    Objects.requireNonNull(modelDir, "modelDir");
    settings = settings == null ? ScanSettings.defaults() : settings;
  }

  public ScanRequest(Path modelDir, Path referenceDir, ScanSettings settings) {
    this(modelDir, referenceDir, settings, null);
  }
}
