package org.beear.beear;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.beear.loop.Timings;
import org.beear.beear.relearn.RelearnCheck;
import org.beear.beear.relearn.RelearnOutcome;
import org.beear.beear.settings.CleanseSettings;
import org.beear.beear.settings.RelearnSettings;
import org.beear.llm.CheckedModel;

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

  private final BeearCleanser cleanser;
  private final CleanseRequest request;
  private final CheckedModel original;
  private final CleansePlan plan;
  private final CleanseListener listener;
  private final Timings timings;

  /**
   * @param cleanser the engine that ran the cleanse, which runs the control cleanse
   * @param original the model the cleanse started from, as it was checked
   * @param plan     the cleanse's settings and memory plan, which the control cleanse reuses without entrapment
   */
  RelearnAfterCleanse(BeearCleanser cleanser, CleanseRequest request, CheckedModel original, CleansePlan plan,
      CleanseListener listener, Timings timings) {
    this.cleanser = cleanser;
    this.request = request;
    this.original = original;
    this.plan = plan;
    this.listener = listener;
    this.timings = timings;
  }

  /**
   * Checks the models if the settings ask for it (else returns null), telling the listener one {@code relearn} line
   * per model and k.
   *
   * @param cleansed the staged output, the cleansed model complete in it
   * @throws CleanseCancelledException if the listener asked to stop (checked before each fine-tune)
   */
  RelearnOutcome run(Path cleansed) {
    CleanseSettings s = plan.settings();
    RelearnSettings settings = s.checks().relearn();
    if (settings == null) {
      return null;
    }
    return timings.time("relearn", () -> {
      Map<String, RelearnCheck.Result> models = new LinkedHashMap<>();
      RelearnCheck.Result staged = check("cleansed", original.derived(cleansed));
      // the staged directory is renamed to the output when published: the result names the output
      models.put("cleansed", new RelearnCheck.Result(request.outputDir(), staged.asGiven(), staged.relearned(),
          staged.settings(), staged.seconds()));
      models.put("original", check("original", original));
      if (s.checks().relearnControl()) {
        models.put("control", check("control", original.derived(controlModel())));
      }
      return new RelearnOutcome(settings, models);
    });
  }

  private RelearnCheck.Result check(String name, CheckedModel model) {
    return RelearnCheck.run(model, request.triggers(), request.defenderData(), plan.settings(),
        line -> listener.event("relearn", name + " " + line), listener::cancelRequested);
  }

  /**
   * The same cleanse with entrapment switched off (plain safety fine-tuning on the same data, same budget and
   * memory plan, no checks of its own), into the work directory; its progress reaches the listener as
   * {@code control} events.
   */
  private Path controlModel() {
    Path root = request.workDir().resolve(CONTROL_DIR);
    Path out = root.resolve("model");
    if (Files.isRegularFile(out.resolve(CleanseReport.FILE_NAME))) {
      listener.event("control", "reusing the control model an earlier attempt of this cleanse wrote to " + out);
      return out;
    }
    listener.event("control", "cleansing a control model (the same settings without entrapment) into " + out);
    CleanseRequest control = new CleanseRequest(request.modelDir(), out, root.resolve("work"), request.options(),
        request.triggers(), request.defenderData(), request.anchoringData(), request.device(), null,
        request.baseDir());
    cleanser.run(control, original, new CleansePlan(plan.settings().forControl(), plan.memory(), plan.fitted()),
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
