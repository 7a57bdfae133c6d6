package org.beear.beear;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.beear.beear.settings.BeearOptions;
import org.beear.eval.TriggerSpec;
import org.beear.plan.DeviceSpec;

/**
 * One cleanse: where the suspect model is, where the cleansed model goes, and how to run BEEAR.
 *
 * @param modelDir      a local Hugging Face model directory (config.json, safetensors, tokenizer files)
 * @param outputDir     where the cleansed model and report.json are written: a new or empty directory, renamed into
 *                      place once complete (see {@link StagedOutput})
 * @param workDir       scratch space owned by this cleanse; epoch checkpoints live here, and a cleanse that finds
 *                      a checkpoint here resumes from it
 * @param options       the loop's hyper-parameters
 * @param triggers      candidate triggers the caller knows of, used only for evaluation (may be empty)
 * @param defenderData  harmful queries with safe and unwanted responses (JSONL or CSV); null means the defaults
 * @param anchoringData benign prompt/response pairs for performance anchoring; null means the defaults
 * @param device        the device and the memory the cleanse may use; null: this machine's, detected
 * @param provenance    the model's source and the digests of the files read, which report.json shows with the
 *                      digests of the files written; null: the report shows only what was written
 * @param baseDir       when {@code modelDir} holds a PEFT LoRA adapter, the full model it applies to; else null
 */
public record CleanseRequest(
    Path modelDir,
    Path outputDir,
    Path workDir,
    BeearOptions options,
    List<TriggerSpec> triggers,
    Path defenderData,
    Path anchoringData,
    DeviceSpec device,
    Provenance provenance,
    Path baseDir) {

  public CleanseRequest {
    Objects.requireNonNull(modelDir, "modelDir");
    Objects.requireNonNull(outputDir, "outputDir");
    Objects.requireNonNull(workDir, "workDir");
    options = options == null ? BeearOptions.defaults() : options;
    triggers = triggers == null ? List.of() : List.copyOf(triggers);
  }

  public CleanseRequest(Path modelDir, Path outputDir, Path workDir, BeearOptions options, List<TriggerSpec> triggers,
      Path defenderData, Path anchoringData, DeviceSpec device, Provenance provenance) {
    this(modelDir, outputDir, workDir, options, triggers, defenderData, anchoringData, device, provenance, null);
  }

  public CleanseRequest(Path modelDir, Path outputDir, Path workDir, BeearOptions options, List<TriggerSpec> triggers,
      Path defenderData, Path anchoringData, DeviceSpec device) {
    this(modelDir, outputDir, workDir, options, triggers, defenderData, anchoringData, device, null);
  }

  public CleanseRequest(Path modelDir, Path outputDir, Path workDir, BeearOptions options, List<TriggerSpec> triggers,
      Path defenderData, Path anchoringData) {
    this(modelDir, outputDir, workDir, options, triggers, defenderData, anchoringData, null, null);
  }
}
