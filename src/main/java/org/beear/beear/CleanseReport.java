package org.beear.beear;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.beear.data.DefenderData;
import org.beear.beear.loop.Timings;
import org.beear.files.FileDigests;
import org.beear.files.JsonDocuments;
import org.beear.llm.LlamaModel;

/**
 * report.json: everything needed to judge and reproduce a cleanse, in the names and shapes the job shows on the API
 * ({@code before}, {@code after} and each epoch's {@code metrics} as the job's metrics, {@code scan} as its scan,
 * {@code provenance} and {@code triggers} as its own).
 */
final class CleanseReport {
  private CleanseReport() {}

  static final String FILE_NAME = "report.json";

  /** What the report says of the model cleansed, kept when the model itself is closed. */
  record ModelFacts(String architecture, long parameters) {
    static ModelFacts of(LlamaModel model) {
      return new ModelFacts(model.config().architecture(), model.parameterCount());
    }
  }

  /**
   * The request's provenance with the digests of everything written into the staged output {@code dir} so far,
   * report.json aside (written last, it cannot hold its own digest). Computed before the rename that publishes the
   * output, so report.json and the job describe exactly the files published.
   */
  static Provenance provenance(CleanseRequest request, Path dir) {
    Provenance read = request.provenance() != null ? request.provenance() : new Provenance(null, null, null);
    return read.withOutputs(FileDigests.of(dir, path -> !path.equals(FILE_NAME), () -> false));
  }

  /** Writes report.json into {@code dir}: the output being staged, renamed to {@code r.outputDir()} after. */
  static void write(Path dir, CleanseResult r, CleanseRequest request, CleansePlan plan, DefenderData data,
      ModelFacts model, Timings timings) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", request.modelDir().toString());
    report.put("output", request.outputDir().toString());
    report.put("architecture", model.architecture());
    report.put("parameters", model.parameters());
    report.put("options", plan.settings().toOptions().toMap());
    Map<String, Object> memory = new LinkedHashMap<>(plan.describe());
    memory.remove("settings");
    report.put("memory_plan", memory);
    report.put("triggers", request.triggers());
    report.put("data", Map.of(
        "defender_harmful", data.harmful().size(),
        "defender_hold_out", data.harmfulHoldOut().size(),
        "anchors", data.anchors().size(),
        "anchor_hold_out", data.anchorHoldOut().size(),
        "defender_source", request.defenderData() == null ? "defaults" : request.defenderData().toString(),
        "anchor_source", request.anchoringData() == null ? "defaults" : request.anchoringData().toString()));
    if (r.scan() != null) {
      report.put("scan", r.scan().toMap());
    }
    report.put("before", r.before());
    report.put("after", r.after());
    report.put("epochs", r.epochs());
    report.put("early_stopped", r.earlyStopped());
    if (r.kept() != null) {
      Map<String, Object> kept = new LinkedHashMap<>();
      kept.put("epoch", r.kept().epoch());
      kept.put("of", r.kept().epochs());
      kept.put("perturbation_asr", r.kept().signal());
      kept.put("reason", r.kept().reason());
      report.put("kept_epoch", kept);
    }
    if (r.relearn() != null) {
      report.put("relearn", r.relearn().toMap());
    }
    report.put("seconds", r.seconds());
    report.put("phase_seconds", timings.ordered());
    report.put("provenance", r.provenance());
    report.put("versions", Map.of(
        "beear", "0.1.0",
        "djl", Engine.getDjlVersion(),
        "engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion(),
        "java", System.getProperty("java.version")));
    Path file = dir.resolve(r.reportFile().getFileName());
    try {
      Files.writeString(file, JsonDocuments.write(report));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

}
