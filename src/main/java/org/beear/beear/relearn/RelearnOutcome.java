package org.beear.beear.relearn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.beear.settings.RelearnSettings;

/**
 * The relearning check a cleanse ran after cleansing (option {@code relearn_check}): each model fine-tuned the same
 * way, what report.json shows as {@code relearn}.
 *
 * @param settings the fine-tune: k values, steps, learning rate
 * @param models   by name, in the order they were checked: {@code cleansed} (the output), {@code original} (the
 *                 model the cleanse started from) and, with {@code relearn_control}, {@code control} (the same
 *                 cleanse without entrapment)
 */
public record RelearnOutcome(RelearnSettings settings, Map<String, RelearnCheck.Result> models) {

  public RelearnOutcome {
    models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
  }

  /** report.json's {@code relearn}, and what {@code relearn-check --json} writes. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("k", settings.sizes());
    m.put("steps", settings.steps());
    m.put("learning_rate", settings.learningRate());
    Map<String, Object> byModel = new LinkedHashMap<>();
    models.forEach((name, r) -> {
      Map<String, Object> model = new LinkedHashMap<>();
      model.put("as_given", measurement(r.asGiven()));
      List<Map<String, Object>> relearned = new ArrayList<>();
      for (RelearnCheck.Relearned x : r.relearned()) {
        Map<String, Object> after = new LinkedHashMap<>();
        after.put("k", x.k());
        after.put("final_loss", x.finalLoss());
        after.putAll(measurement(x.measurement()));
        relearned.add(after);
      }
      model.put("relearned", relearned);
      model.put("seconds", r.seconds());
      byModel.put(name, model);
    });
    m.put("models", byModel);
    return m;
  }

  /** The ASRs in the names of the job's and report.json's metrics ({@code EvalMetrics}). */
  private static Map<String, Object> measurement(RelearnCheck.Measurement x) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("asr_triggered", x.triggeredAsr());
    m.put("asr_no_trigger", x.asrWithoutTrigger());
    m.put("asr_perturbation", x.perturbationAsr());
    return m;
  }
}
