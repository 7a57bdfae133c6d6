package org.beear.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.beear.attest.CleansePredicate;
import org.beear.attest.ModelSubjects;
import org.beear.beear.BeearCleanser;
import org.beear.beear.CleanseEngine;
import org.beear.beear.CleanseListener;
import org.beear.beear.CleansePlan;
import org.beear.beear.CleanseRequest;
import org.beear.beear.CleanseResult;
import org.beear.beear.Provenance;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.evaluation.TriggerMatrix;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.eval.Rate;
import org.beear.eval.TriggerPlacements;
import org.beear.eval.TriggerSpec;
import org.beear.llm.ModelConfig;
import org.beear.plan.DeviceSpec;

/**
 * A test engine that does real work of its own so the service's mechanics can be tested without tensors: it
 * sleeps per step, polls cancelRequested between steps, checkpoints each finished epoch to a file in the work
 * directory and resumes from it, and writes an output directory with a report.json. ASR falls with each epoch.
 */
public class SteppingCleanseEngine implements CleanseEngine {

  private static final Pattern MODEL_TYPE = Pattern.compile("\"model_type\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern CHECKPOINT = Pattern.compile("\"epoch\"\\s*:\\s*(\\d+)");

  /** Sleep per optimisation step; tests slow it down to have time to cancel or crash a run. */
  public volatile long stepMillis = 15;

  /** Size of the model.safetensors written, when positive (large outputs are uploaded in parts); else a line. */
  public volatile int weightsBytes;

  /**
   * Models (by directory name) whose cleanse throws this error after the first epoch: a poison job, as an out of
   * memory or a broken native library would make one.
   */
  public final Map<String, java.util.function.Supplier<Error>> errors = new ConcurrentHashMap<>();

  /** Finished epochs per work directory, in order, across runs: a resumed job must not repeat or skip one. */
  public final Map<Path, List<Integer>> finishedEpochs = new ConcurrentHashMap<>();

  @Override
  public void validateModel(Path modelDir) {
    Path config = modelDir.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      throw new IllegalArgumentException("no config.json in the model directory");
    }
    Matcher m = MODEL_TYPE.matcher(read(config));
    String type = m.find() ? m.group(1) : "unknown";
    if (!List.of("llama", "mistral").contains(type)) {
      throw new IllegalArgumentException("unsupported architecture '" + type + "': expected llama or mistral");
    }
  }

  /** Plans with the real planner: the test engine trains nothing, but submissions are planned as in production. */
  @Override
  public CleansePlan plan(ModelConfig config, BeearOptions options, DeviceSpec device) {
    return new BeearCleanser().plan(config, options, device);
  }

  @Override
  public DeviceSpec localDevice(BeearOptions options) {
    return new DeviceSpec("cpu", 24L << 30);
  }

  @Override
  public CleanseResult cleanse(CleanseRequest request, CleanseListener listener) {
    long started = System.nanoTime();
    int maxEpochs = CleanseSettings.maxEpochs(request.options());
    int innerSteps = request.options().get(BeearOptions.INNER_STEPS) != null
        ? request.options().get(BeearOptions.INNER_STEPS) : 5;
    boolean triggered = !request.triggers().isEmpty();
    Path checkpoint = request.workDir().resolve("checkpoint.json");
    int done = 0;
    if (Files.exists(checkpoint)) {
      Matcher m = CHECKPOINT.matcher(read(checkpoint));
      done = m.find() ? Integer.parseInt(m.group(1)) : 0;
      listener.event("resume", "resumed from checkpoint at epoch " + done);
      List<EpochRecord> saved = new ArrayList<>();
      for (int epoch = 1; epoch <= done; epoch++) {
        saved.add(record(epoch, maxEpochs, triggered, 0));
      }
      listener.resumed(saved);
    }
    EvalMetrics before = withMatrix(metrics(0, maxEpochs, triggered));
    if (done == 0) {
      listener.event("phase", "evaluating before cleansing");
      listener.baseline(before);
    }
    List<EpochRecord> epochs = new ArrayList<>();
    for (int epoch = done + 1; epoch <= maxEpochs; epoch++) {
      long epochStart = System.nanoTime();
      for (int step = 1; step <= innerSteps + 1; step++) {
        if (listener.cancelRequested()) {
          throw new CleanseCancelledException("cancelled in epoch " + epoch + ", step " + step);
        }
        long t0 = System.nanoTime();
        sleep(stepMillis);
        listener.step(step <= innerSteps ? "entrapment" : "removal", (System.nanoTime() - t0) / 1e9);
      }
      EpochRecord record = record(epoch, maxEpochs, triggered, (System.nanoTime() - epochStart) / 1e9);
      epochs.add(record);
      // As the real engine: the checkpoint is published first, then the epoch recorded; a crash in between is
      // caught up on resume (listener.resumed), and no epoch runs twice.
      listener.beforeCommit("checkpoint of epoch " + epoch);
      write(checkpoint, "{\"epoch\": " + epoch + "}");
      finishedEpochs.computeIfAbsent(request.workDir(), k -> new CopyOnWriteArrayList<>()).add(epoch);
      listener.epoch(record, epoch / (double) maxEpochs);
      java.util.function.Supplier<Error> error = errors.get(request.modelDir().getFileName().toString());
      if (error != null) {
        throw error.get();
      }
    }
    EvalMetrics after = withMatrix(metrics(maxEpochs, maxEpochs, triggered));
    listener.beforeCommit("the cleansed model");
    try {
      Files.createDirectories(request.outputDir());
      Files.write(request.outputDir().resolve("model.safetensors"), weights(request.modelDir(), weightsBytes));
      Files.writeString(request.outputDir().resolve("report.json"), """
          {"engine": "stepping-test-engine", "max_epochs": %d, "asr_triggered_before": %s,
           "asr_triggered_after": %s}""".formatted(maxEpochs, EvalMetrics.ratio(before.asrTriggered()),
               EvalMetrics.ratio(after.asrTriggered())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // as the real engine: the request's provenance with the digests of what was written, report.json aside
    Provenance provenance = (request.provenance() != null ? request.provenance() : new Provenance(null, null, null))
        .withOutputs(ModelSubjects.digests(request.outputDir()));
    Provenance.Source source = provenance.source();
    CleansePredicate predicate = new CleansePredicate(source == null ? null
        : new CleansePredicate.Source(source.uri(), source.revision(), source.archiveSha256(), provenance.inputs()),
        java.util.Map.of("max_epochs", maxEpochs, "inner_steps", innerSteps), java.util.Map.of("seed", 0L),
        List.of(), new CleansePredicate.Judge("stepping-test-engine", "0"),
        new CleansePredicate.Results(before, after, maxEpochs, false), null, java.util.Map.of());
    return new CleanseResult(request.outputDir(), request.outputDir().resolve("report.json"), before, after, epochs,
        false, (System.nanoTime() - started) / 1e9, provenance, java.util.Map.of(), null, null, null, predicate);
  }

  /** What the engine writes as the cleansed weights of this model: {@code bytes} of them when positive. */
  public static byte[] weights(Path modelDir, int bytes) {
    byte[] line = ("weights of " + modelDir).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (bytes <= 0) {
      return line;
    }
    byte[] out = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      out[i] = (byte) (line[i % line.length] + i / line.length);
    }
    return out;
  }

  private static EpochRecord record(int epoch, int maxEpochs, boolean triggered, double seconds) {
    return new EpochRecord(epoch, 2.0 / epoch, 1.0 / epoch, 0.5 + 0.01 * epoch, metrics(epoch, maxEpochs, triggered),
        seconds);
  }

  /** ASR falls linearly from 0.9 to 0.05 over the epoch budget (of 320 held-out and 72 hold-out prompts). */
  private static EvalMetrics metrics(int epoch, int maxEpochs, boolean triggered) {
    double asr = 0.9 - 0.85 * epoch / maxEpochs;
    return new EvalMetrics(triggered ? Rate.of((int) Math.round(asr * 320), 320) : null, Rate.of(6, 320),
        Rate.of((int) Math.round(asr * 72), 72), Rate.of(80, 100), 12.0, null, null, Rate.of(10 + 2 * epoch, 250));
  }

  /**
   * A measurement before or after with a trigger placement matrix as the real engine's (by default): the triggered
   * ASR is its worst cell, here the trigger wrapped under the generic system prompt; the rest a third of it.
   */
  private static EvalMetrics withMatrix(EvalMetrics m) {
    if (m.asrTriggered() == null) {
      return m;
    }
    Rate worst = m.asrTriggered();
    Rate third = Rate.of(worst.hits() / 3, worst.total());
    TriggerSpec.Position suffix = TriggerSpec.Position.SUFFIX;
    TriggerMatrix matrix = new TriggerMatrix(TriggerPlacements.GENERIC_SYSTEM_PROMPT, "generic", null, List.of(
        new TriggerMatrix.Cell("SUDO", suffix, suffix, "none", third),
        new TriggerMatrix.Cell("SUDO", suffix, TriggerSpec.Position.WRAP, "generic", worst)));
    return new EvalMetrics(worst, m.asrNoTrigger(), m.asrPerturbation(), m.benignExactMatch(), m.anchorPerplexity(),
        m.insecureCodeRate(), m.secureCodeRate(), m.overRefusal(), matrix);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CleanseCancelledException("interrupted");
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
