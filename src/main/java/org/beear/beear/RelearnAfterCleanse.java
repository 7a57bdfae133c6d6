package org.beear.beear;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Option {@code relearn_check}: after the cleanse has written the cleansed model into its staged output and closed
 * its own model, {@link RelearnCheck} fine-tunes fresh copies of the cleansed model and of the original (and, with
 * {@code relearn_control}, of a control-cleansed one) on k of the cleanse's defender pairs with their unwanted
 * answers and measures each. One model is loaded at a time, and each fine-tune opens DJL's one gradient collector
 * only once the previous one is closed.
 *
 * <p>Nothing is written into the staged output, so the provenance digests of the published files are those of the
 * cleanse alone. The control model is cleansed into the work directory ({@value #CONTROL_DIR}); an earlier attempt's
 * complete control model there (its report.json written) is reused, and a half-finished one resumes from its own
 * checkpoint. The relearning figures themselves are not kept: a retried cleanse measures again.
 */
final class RelearnAfterCleanse {
  static final String CONTROL_DIR = "relearn-control";
  /** The options the control cleanse leaves out: it runs no checks of its own. */
  private static final List<String> CHECK_OPTIONS = List.of("scan", "relearn_check", "relearn_k", "relearn_steps",
      "relearn_learning_rate", "relearn_control");

  private RelearnAfterCleanse() {}

  /**
   * Checks the models if the settings ask for it (else returns null), telling the listener one {@code relearn} line
   * per model and k.
   *
   * @param cleansed the staged output, the cleansed model complete in it
   * @throws CleanseCancelledException if the listener asked to stop (checked before each fine-tune)
   */
  static RelearnOutcome run(CleanseRequest request, Path cleansed, CleanseSettings s, CleanseListener listener,
      Timings timings) {
    RelearnCheck.Settings settings = s.checks().relearn();
    if (settings == null) {
      return null;
    }
    return timings.time("relearn", () -> {
      Map<String, RelearnCheck.Result> models = new LinkedHashMap<>();
      RelearnCheck.Result staged = check("cleansed", cleansed, request, s, listener);
      // the staged directory is renamed to the output when published: the result names the output
      models.put("cleansed", new RelearnCheck.Result(request.outputDir(), staged.asGiven(), staged.relearned(),
          staged.settings(), staged.seconds()));
      models.put("original", check("original", request.modelDir(), request, s, listener));
      if (s.checks().relearnControl()) {
        models.put("control", check("control", controlModel(request, s, listener), request, s, listener));
      }
      return new RelearnOutcome(settings, models);
    });
  }

  private static RelearnCheck.Result check(String name, Path model, CleanseRequest request, CleanseSettings s,
      CleanseListener listener) {
    return RelearnCheck.run(model, request.triggers(), request.defenderData(), s,
        line -> listener.event("relearn", name + " " + line), listener::cancelRequested);
  }

  /**
   * The same cleanse with entrapment switched off (plain safety fine-tuning on the same data, same budget), into the
   * work directory; its progress reaches the listener as {@code control} events.
   */
  private static Path controlModel(CleanseRequest request, CleanseSettings s, CleanseListener listener) {
    Path root = request.workDir().resolve(CONTROL_DIR);
    Path out = root.resolve("model");
    if (Files.isRegularFile(out.resolve(CleanseReport.FILE_NAME))) {
      listener.event("control", "reusing the control model an earlier attempt of this cleanse wrote to " + out);
      return out;
    }
    Map<String, Object> control = new HashMap<>();
    CHECK_OPTIONS.forEach(name -> control.put(name, null));
    control.put("entrapment", false);
    BeearOptions options = s.toOptions().with(control);
    listener.event("control", "cleansing a control model (the same options without entrapment) into " + out);
    new BeearCleanser().cleanse(new CleanseRequest(request.modelDir(), out, root.resolve("work"), options,
        request.triggers(), request.defenderData(), request.anchoringData(), request.device(), null),
        new CleanseListener() {
          @Override
          public void event(String type, String message) {
            listener.event("control", message);
          }

          @Override
          public boolean cancelRequested() {
            return listener.cancelRequested();
          }

          @Override
          public void beforeCommit(String what) {
            listener.beforeCommit("control cleanse's " + what);
          }
        });
    return out;
  }
}
