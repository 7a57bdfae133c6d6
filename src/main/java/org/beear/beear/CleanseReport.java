package org.beear.beear;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.attest.CleansePredicate;
import org.beear.attest.ModelSubjects;
import org.beear.beear.data.DefenderData;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.evaluation.RateChange;
import org.beear.beear.evaluation.TriggerMatrix;
import org.beear.beear.loop.Timings;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.files.FileDigest;
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

  static final String FILE_NAME = ModelSubjects.REPORT_FILE;
  static final String BEEAR_VERSION = "0.1.0";

  /** What the report says of the model cleansed, kept when the model itself is closed. */
  record ModelFacts(String architecture, long parameters) {
    static ModelFacts of(LlamaModel model) {
      return new ModelFacts(model.config().architecture(), model.parameterCount());
    }
  }

  /**
   * The request's provenance with the digests of everything written into the staged output {@code dir} so far,
   * report.json aside (written last, it cannot hold its own digest): the subjects of the model's attestation
   * ({@link ModelSubjects}). Computed before the rename that publishes the
   * output, so report.json and the job describe exactly the files published.
   */
  static Provenance provenance(CleanseRequest request, Path dir) {
    Provenance read = request.provenance() != null ? request.provenance() : new Provenance(null, null, null);
    return read.withOutputs(ModelSubjects.digests(dir));
  }

  /** Writes report.json into {@code dir}: the output being staged, renamed to {@code r.outputDir()} after. */
  static void write(Path dir, CleanseResult r, CleanseRequest request, CleansePlan plan, DefenderData data,
      ModelFacts model, Timings timings) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", request.modelDir().toString());
    if (request.baseDir() != null) {
      report.put("base", request.baseDir().toString());
    }
    report.put("output", request.outputDir().toString());
    // merged: a full model; adapter: a PEFT adapter on the suspect model (or on an adapter input's base)
    report.put("output_format", plan.settings().removal().outputFormat().wireName());
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
    Map<String, Object> matrix = triggerMatrix(r.before(), r.after());
    if (matrix != null) {
      report.put("trigger_matrix", matrix);
    }
    RateChange overRefusal = RateChange.overRefusal(r.before(), r.after());
    if (overRefusal != null) {
      report.put("over_refusal", overRefusal);
    }
    report.put("epochs", r.epochs());
    report.put("early_stopped", r.earlyStopped());
    if (r.kept() != null) {
      Map<String, Object> kept = new LinkedHashMap<>();
      kept.put("epoch", r.kept().epoch());
      kept.put("of", r.kept().epochs());
      kept.put("perturbation_asr_upper", r.kept().signal());
      kept.put("reason", r.kept().reason());
      report.put("kept_epoch", kept);
    }
    if (r.relearn() != null) {
      report.put("relearn", r.relearn().toMap());
    }
    report.put("seconds", r.seconds());
    report.put("phase_seconds", timings.ordered());
    report.put("provenance", r.provenance());
    report.put("versions", versions());
    Path file = dir.resolve(r.reportFile().getFileName());
    try {
      Files.writeString(file, JsonDocuments.write(report));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The placement matrices before and after side by side, with the system prompt their framed cells used and the
   * worst cell of each (what before's and after's asr_triggered are); null when not measured.
   */
  static Map<String, Object> triggerMatrix(EvalMetrics before, EvalMetrics after) {
    TriggerMatrix b = before == null ? null : before.triggerMatrix();
    TriggerMatrix a = after == null ? null : after.triggerMatrix();
    TriggerMatrix any = a != null ? a : b;
    if (any == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("system_prompt", any.systemPrompt());
    m.put("system_prompt_source", any.systemPromptSource());
    if (any.note() != null) {
      m.put("note", any.note());
    }
    m.put("before", b == null ? null : b.cells());
    m.put("after", a == null ? null : a.cells());
    m.put("worst_before", b == null ? null : b.worst());
    m.put("worst_after", a == null ? null : a.worst());
    return m;
  }

  private static Map<String, String> versions() {
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("beear", BEEAR_VERSION);
    versions.put("djl", Engine.getDjlVersion());
    versions.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    versions.put("java", System.getProperty("java.version"));
    return versions;
  }

  /**
   * What the model's signed attestation says of the cleanse: the source and inputs of {@code provenance}, the
   * resolved settings, the seed, the data used with digests of its examples, the judge, before and after. No
   * policy is checked yet ({@link CleansePredicate#policy()}).
   */
  static CleansePredicate predicate(CleanseRequest request, Provenance provenance, CleansePlan plan,
      Training.Trained trained) {
    Provenance.Source source = provenance.source();
    CleanseSettings s = plan.settings();
    DefenderData data = trained.data();
    String defender = dataSource(request.defenderData(), provenance);
    String anchoring = dataSource(request.anchoringData(), provenance);
    return new CleansePredicate(
        new CleansePredicate.Source(source == null ? null : source.uri(), source == null ? null : source.revision(),
            source == null ? null : source.archiveSha256(), provenance.inputs()),
        s.toOptions().toMap(),
        Map.of(BeearOptions.SEED.name(), s.schedule().seed()),
        List.of(dataset("defender_harmful", defender, data.harmful()),
            dataset("defender_hold_out", defender, data.harmfulHoldOut()),
            dataset("anchors", anchoring, data.anchors()),
            dataset("anchor_hold_out", anchoring, data.anchorHoldOut())),
        new CleansePredicate.Judge(s.evaluation().judge(), BEEAR_VERSION),
        new CleansePredicate.Results(trained.before(), trained.after(), trained.epochs().size(),
            trained.earlyStopped()),
        null,
        versions());
  }

  /** "defaults", or a caller's file by the URI provenance gave it (secrets hidden), else its own. */
  private static String dataSource(Path file, Provenance provenance) {
    if (file == null) {
      return "defaults";
    }
    String uri = file.toAbsolutePath().normalize().toUri().toString();
    try {
      String digest = FileDigests.sha256(file);
      // data files are inputs by URI (a job's as submitted), the model's files by relative path
      return provenance.inputs().stream().filter(i -> i.path().contains(":") && i.sha256().equals(digest))
          .map(FileDigest::path).findFirst().orElse(uri);
    } catch (IOException e) {
      return uri;
    }
  }

  private static CleansePredicate.Dataset dataset(String name, String source, List<?> examples) {
    byte[] json = JsonDocuments.line(examples).getBytes(StandardCharsets.UTF_8);
    return new CleansePredicate.Dataset(name, source, examples.size(),
        HexFormat.of().formatHex(FileDigests.sha256().digest(json)));
  }
}
