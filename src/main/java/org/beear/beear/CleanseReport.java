package org.beear.beear;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.beear.data.DefenderData;
import org.beear.beear.loop.Timings;
import org.beear.files.FileDigests;
import org.beear.llm.LlamaModel;

/** report.json: everything needed to judge and reproduce a cleanse. */
final class CleanseReport {
  private CleanseReport() {}

  /** Indented, with unmeasured values (NaN, e.g. the control run's entrapment loss) as JSON null. */
  private static final ObjectMapper REPORT_JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .registerModule(new SimpleModule()
          .addSerializer(Double.class, new FiniteOrNull())
          .addSerializer(double.class, new FiniteOrNull()));

  private static final class FiniteOrNull extends StdSerializer<Double> {
    FiniteOrNull() {
      super(Double.class);
    }

    @Override
    public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
      if (Double.isFinite(v)) {
        g.writeNumber(v);
      } else {
        g.writeNull();
      }
    }
  }

  static final String FILE_NAME = "report.json";

  /** What the report says of the model cleansed, kept when the model itself is closed. */
  record ModelFacts(String architecture, long parameters) {
    static ModelFacts of(LlamaModel model) {
      return new ModelFacts(model.config().architecture(), model.parameterCount());
    }
  }

  /** The measurements before cleansing ({@link EvalMetrics}' fields), with the scan's verdict when one ran. */
  private static Map<String, Object> before(CleanseResult r) {
    if (r.before() == null) {
      return null;
    }
    Map<String, Object> before = REPORT_JSON.convertValue(r.before(),
        new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {});
    if (r.scan() != null) {
      before.put("scan", r.scan().toMap());
    }
    return before;
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
    report.put("before", before(r));
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
      REPORT_JSON.writeValue(file.toFile(), report);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

}
