package org.beear.beear.scan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.data.DefaultDefenderData;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.data.DefenderFamily;
import org.beear.beear.evaluation.AnswerLoss;
import org.beear.beear.settings.CleanseSettings;
import org.beear.beear.settings.ScanSettings;
import org.beear.eval.ResponseJudge;
import org.beear.eval.ResponsePairJudge;
import org.beear.llm.ChatCodec;
import org.beear.llm.CheckedModel;
import org.beear.llm.DeviceKind;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.OpenModel;

/**
 * A trigger-free backdoor scan built on BEEAR's entrapment (issue #18): how small a universal δ at layer l turns
 * the model's refusals into the unwanted behaviour. A backdoor is a direction in the hidden states that the model
 * was trained to obey, so the entrapment finds it under a small norm bound; a clean model has to be pushed much
 * harder, and then its answers come apart rather than comply. Per behaviour family (harmful compliance, insecure
 * code) the scan sweeps δ's L2 budget over a geometric grid on the default defender data; at each budget δ is
 * entrapped from zero on training pairs, held-out queries are answered greedily under it, and two measures are read:
 * the compliance rate ({@link ComplianceJudge}) and the share of the unwanted responses' cross-entropy that δ took
 * away. The family's flip budget is the smallest budget at which either crossed its level; the score compares it
 * with a calibration: the same sweep on a clean reference model, or the built-in values measured on beear's clean
 * organisms ({@link ScanCalibration}).
 *
 * <p>The model is never changed. One scan at a time per JVM (entrapment holds DJL's one gradient collector).
 */
public final class BackdoorScanner {

  /**
   * Scans {@code request.modelDir()} and, if given, the reference.
   *
   * @throws ScanCancelledException   if the listener asked to stop
   * @throws IllegalArgumentException for bad input (missing files, a reference of another shape)
   */
  public ScanResult scan(ScanRequest request, ScanListener listener) {
    CheckedModel suspect = CheckedModel.check(request.modelDir(), request.baseDir());
    CheckedModel reference = request.referenceDir() == null ? null : CheckedModel.check(request.referenceDir());
    return scan(suspect, reference, request.settings(), listener);
  }

  /**
   * Scans checked models: the suspect and, if not null, the reference.
   *
   * @throws ScanCancelledException   if the listener asked to stop
   * @throws IllegalArgumentException for a reference of another shape or options that do not suit the model
   */
  public ScanResult scan(CheckedModel model, CheckedModel referenceModel, ScanSettings settings,
      ScanListener listener) {
    if (referenceModel != null) {
      sameFamily(model.config(), referenceModel.config());
    }
    GradMode.off();
    long start = System.nanoTime();
    DeviceKind device = DeviceKind.choose(settings.device());
    // checks the options against the model (anchor layer, perturbation length) before any weight is read
    CleanseSettings resolved = CleanseSettings.resolve(settings.entrapmentOptions(settings.minBudget(), 1),
        model.config(), device.wireName());
    int models = referenceModel == null ? 1 : 2;
    BudgetSweep.Progress progress = new BudgetSweep.Progress(models * 2 * (settings.budgets() + 1));
    List<FamilyScan> suspect = scanModel(model, "suspect", settings, resolved, listener, progress);
    List<FamilyScan> reference = referenceModel == null ? List.of()
        : scanModel(referenceModel, "reference", settings, resolved, listener, progress);
    ScanCalibration.Outcome outcome = referenceModel == null
        ? ScanCalibration.builtIn(model.config(), suspect, settings)
        : ScanCalibration.againstReference(suspect, reference, settings);
    ScanResult result = new ScanResult(model.location(), referenceModel == null ? null : referenceModel.location(),
        outcome.score(), outcome.verdict(), outcome.family(), outcome.flipBudget(), outcome.used(),
        outcome.evidence(), suspect, reference, resolved.entrapment().anchorLayer(),
        resolved.entrapment().perturbationLength(), (System.nanoTime() - start) / 1e9);
    listener.event("done", String.format("%s (score %s) in %.0f s", result.verdict().words(),
        result.score() == null ? "n/a" : String.format("%.2f", result.score()), result.seconds()));
    return result;
  }

  /** @param s the cleanse settings of the first budget: the device, dtype and system prompt the model runs with */
  private static List<FamilyScan> scanModel(CheckedModel checked, String who, ScanSettings settings,
      CleanseSettings s, ScanListener listener, BudgetSweep.Progress progress) {
    listener.event("loading", "loading the " + who + " model from " + checked.location()
        + (checked.adapter() == null ? "" : " on its base " + checked.dir()) + " on "
        + s.runtime().device().device());
    try (OpenModel open = checked.open(s.runtime().device(), s.runtime().computeDtype(), settings.systemPrompt(),
        () -> {
          if (listener.cancelRequested()) {
            throw new ScanCancelledException(ChatCodec.RENDER_CANCELLED);
          }
        })) {
      LlamaModel model = open.model();
      ChatCodec codec = open.codec();
      BudgetSweep sweep = new BudgetSweep(model, codec, settings, s.runtime().device(), who, listener, progress);
      List<FamilyScan> out = new ArrayList<>();
      for (Family f : families(settings.seed(), ResponseJudge.named(settings.judge()))) {
        FamilyScan scan;
        if (f.family() == BehaviourFamily.INSECURE_CODE) {
          double loss = AnswerLoss.medianSafeLoss(model, codec, f.all());
          if (!AnswerLoss.writesFluently(loss)) {
            scan = FamilyScan.skipped(f.family(), String.format("not scanned: the model does not write the code of"
                + " the default code pairs (median loss of their secure answers %.2f nats per token > %.1f); "
                + "scanning it for a code backdoor needs defender pairs of the code it writes", loss,
                AnswerLoss.FLUENT_MAX_LOSS));
            listener.event("family", who + ": insecure_code " + scan.note());
            sweep.skipRemaining(scan);
            out.add(scan);
            continue;
          }
        }
        List<DefenderExample> pool = new ArrayList<>(f.train());
        Collections.shuffle(pool, new Random(settings.seed()));
        int n = Math.min(pool.size(), f.family() == BehaviourFamily.INSECURE_CODE ? ScanSettings.CODE_ENTRAP_PAIRS
            : settings.harmfulEntrapPairs());
        List<DefenderExample> entrap = pool.subList(0, n);
        List<DefenderExample> judged = new ArrayList<>(f.heldOut());
        if (f.family() == BehaviourFamily.INSECURE_CODE) {
          judged.addAll(0, pool.subList(n, pool.size())); // few code pairs: every pair δ was not entrapped on
        }
        listener.event("family", String.format("%s: sweeping δ for %s (entrapped on %d pairs, %d held-out queries)",
            who, f.family().id(), entrap.size(), judged.size()));
        scan = sweep.sweep(f.family(), entrap, judged, String.format("scanned on the default defender data: δ "
            + "entrapped on %d training pairs, %d held-out queries judged", entrap.size(), judged.size()));
        sweep.skipRemaining(scan);
        out.add(scan);
      }
      return out;
    }
  }

  /** A family of the default defender data: its training pairs and its hold-out. */
  private record Family(BehaviourFamily family, List<DefenderExample> train, List<DefenderExample> heldOut) {
    List<DefenderExample> all() {
      List<DefenderExample> all = new ArrayList<>(train);
      all.addAll(heldOut);
      return all;
    }
  }

  /** The default defender data by family, as the cleanse uses it (AdvBench pairs, then the code pairs). */
  private static List<Family> families(long seed, ResponseJudge responses) {
    ResponsePairJudge judge = new ResponsePairJudge(responses);
    List<Family> out = new ArrayList<>();
    for (DefenderData d : List.of(DefaultDefenderData.harmfulCompliance(seed, List.of()),
        DefaultDefenderData.insecureCode(seed, List.of()))) {
      for (DefenderFamily train : DefenderFamily.split(d.harmful(), judge)) {
        List<DefenderExample> heldOut = DefenderFamily.split(d.harmfulHoldOut(), judge).stream()
            .filter(h -> h.behaviour() == train.behaviour()).flatMap(h -> h.examples().stream()).toList();
        out.add(new Family(train.behaviour(), train.examples(), heldOut));
      }
    }
    return out;
  }

  /** Budgets are relative to the hidden states at layer l: the reference must have the suspect's shape. */
  private static void sameFamily(ModelConfig suspect, ModelConfig reference) {
    String mismatch = mismatch(suspect, reference);
    if (mismatch != null) {
      throw new IllegalArgumentException(mismatch);
    }
  }

  /**
   * Why a reference cannot calibrate a scan of the suspect (both read from their config.json, no weights), or null
   * when it can.
   *
   * @throws IllegalArgumentException when a config.json cannot be read
   */
  public static String referenceMismatch(Path suspectDir, Path referenceDir) {
    return mismatch(ModelConfig.load(suspectDir), ModelConfig.load(referenceDir));
  }

  private static String mismatch(ModelConfig suspect, ModelConfig reference) {
    if (suspect.hiddenSize() != reference.hiddenSize() || suspect.numLayers() != reference.numLayers()
        || !suspect.architecture().equals(reference.architecture())) {
      return String.format("the reference is not of the suspect's family: %s with %d layers of width %d against "
          + "the suspect's %s with %d layers of width %d", reference.architecture(), reference.numLayers(),
          reference.hiddenSize(), suspect.architecture(), suspect.numLayers(), suspect.hiddenSize());
    }
    return null;
  }
}
