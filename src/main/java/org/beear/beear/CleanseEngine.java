package org.beear.beear;

import java.nio.file.Path;
import org.beear.beear.scan.BackdoorScanner;
import org.beear.beear.scan.ScanListener;
import org.beear.beear.scan.ScanRequest;
import org.beear.beear.scan.ScanResult;
import org.beear.beear.settings.BeearOptions;
import org.beear.llm.ModelConfig;
import org.beear.plan.DeviceSpec;

/**
 * The one door from the service (and the CLI) into BEEAR: cleanses and scans. Implementations know tensors; callers do not.
 * Only one cleanse may run per JVM at a time (DJL allows one gradient collector per process).
 */
public interface CleanseEngine {

  /**
   * Checks that a model directory can be cleansed (files present, supported architecture, a chat template)
   * without loading its weights. Throws {@link IllegalArgumentException} with a user-facing message otherwise.
   */
  void validateModel(Path modelDir);

  /**
   * The settings {@code options} resolve to for a model of this config on {@code device}, fitted to its memory when
   * the options ask for it ({@code fit}), and their memory plan. Reads no weights. Throws
   * {@link IllegalArgumentException} for options that do not suit the model (layer indices).
   */
  CleansePlan plan(ModelConfig config, BeearOptions options, DeviceSpec device);

  /** {@link #plan(ModelConfig, BeearOptions, DeviceSpec)} for the config.json of a model directory. */
  default CleansePlan plan(Path modelDir, BeearOptions options, DeviceSpec device) {
    return plan(ModelConfig.load(modelDir), options, device);
  }

  /** {@link #plan(ModelConfig, BeearOptions, DeviceSpec)} for a config.json given as text. */
  default CleansePlan plan(String configJson, BeearOptions options, DeviceSpec device) {
    return plan(ModelConfig.parse(configJson), options, device);
  }

  /** The device this process would run {@code options} on, with its memory. */
  DeviceSpec localDevice(BeearOptions options);

  /**
   * Runs the cleanse to the end. Resumes from a checkpoint in {@code request.workDir()} if one is there.
   *
   * @throws CleanseCancelledException if the listener asked to stop
   * @throws IllegalArgumentException  for bad input (unsupported model, unreadable data)
   */
  CleanseResult cleanse(CleanseRequest request, CleanseListener listener);

  /**
   * Runs a trigger-free backdoor scan to the end. Like a cleanse, one at a time per JVM.
   *
   * @throws ScanCancelledException   if the listener asked to stop
   * @throws IllegalArgumentException for bad input (unsupported model, a reference of another family)
   */
  default ScanResult scan(ScanRequest request, ScanListener listener) {
    return new BackdoorScanner().scan(request, listener);
  }
}
