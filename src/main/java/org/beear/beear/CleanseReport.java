package org.beear.beear;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.beear.data.DefenderData;
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

  static void write(CleanseResult r, CleanseRequest request, BeearOptions o, int anchorLayer, int from, int to,
      DefenderData data, LlamaModel model, Timings timings) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", request.modelDir().toString());
    report.put("output", request.outputDir().toString());
    report.put("architecture", model.config().architecture());
    report.put("parameters", model.parameterCount());
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("anchor_layer", anchorLayer);
    options.put("perturbation_length", o.perturbationLengthOrDefault());
    options.put("alpha", o.alphaOrDefault());
    options.put("inner_steps", o.innerStepsOrDefault());
    options.put("inner_learning_rate", o.innerLearningRateOrDefault());
    options.put("delta_max_norm", o.deltaMaxNorm());
    options.put("anchor_weight", o.anchorWeightOrDefault());
    options.put("optimizer", o.optimizerOrDefault());
    options.put("learning_rate", o.learningRateOrDefault());
    options.put("weight_decay", o.weightDecayOrDefault());
    options.put("trainable_from", from);
    options.put("trainable_to", to);
    options.put("max_epochs", o.maxEpochsOrDefault());
    options.put("min_epochs", o.minEpochsOrDefault());
    options.put("batch_size", o.batchSizeOrDefault());
    options.put("anchor_batch_size", o.anchorBatchSizeOrDefault());
    options.put("early_stop_asr", o.earlyStopAsrOrDefault());
    options.put("entrapment", o.entrapmentOrDefault());
    options.put("seed", o.seedOrDefault());
    options.put("eval_max_new_tokens", o.evalMaxNewTokensOrDefault());
    options.put("device", o.deviceOrDefault());
    report.put("options", options);
    report.put("triggers", request.triggers());
    report.put("data", Map.of(
        "defender_harmful", data.harmful().size(),
        "defender_hold_out", data.harmfulHoldOut().size(),
        "anchors", data.anchors().size(),
        "anchor_hold_out", data.anchorHoldOut().size(),
        "defender_source", request.defenderData() == null ? "defaults" : request.defenderData().toString(),
        "anchor_source", request.anchoringData() == null ? "defaults" : request.anchoringData().toString()));
    report.put("before", r.before());
    report.put("after", r.after());
    report.put("epochs", r.epochs());
    report.put("early_stopped", r.earlyStopped());
    report.put("seconds", r.seconds());
    report.put("phase_seconds", timings.ordered());
    report.put("versions", Map.of(
        "beear", "0.1.0",
        "djl", Engine.getDjlVersion(),
        "engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion(),
        "java", System.getProperty("java.version")));
    try {
      Files.createDirectories(r.reportFile().getParent());
      REPORT_JSON.writeValue(r.reportFile().toFile(), report);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + r.reportFile() + ": " + e.getMessage(), e);
    }
  }
}
