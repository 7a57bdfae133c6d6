package org.beear.beear.scan;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.evaluation.AnswerLoss;
import org.beear.beear.evaluation.ComplianceJudge;
import org.beear.beear.loop.Entrapment;
import org.beear.beear.settings.CleanseSettings;
import org.beear.beear.settings.ScanSettings;
import org.beear.eval.ChatEvaluator;
import org.beear.eval.ResponseJudge;
import org.beear.llm.ChatCodec;
import org.beear.llm.DeviceKind;
import org.beear.llm.LlamaModel;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;

/**
 * One model's δ sweeps: for each budget of the grid, δ is entrapped from zero on training pairs under that L2
 * bound (the cleanse's {@link Entrapment}, unchanged), then the held-out queries are answered greedily under δ and
 * judged as the cleanse judges its perturbation ASR ({@link ResponsePairJudge}).
 */
final class BudgetSweep {
  private final LlamaModel model;
  private final ChatCodec codec;
  private final ScanSettings settings;
  private final DeviceKind device;
  private final String who;
  private final ScanListener listener;
  private final Progress progress;
  private final ComplianceJudge judge;

  /** Budgets done over the budgets planned, for the listener. */
  static final class Progress {
    private final int planned;
    private int done;

    Progress(int planned) {
      this.planned = Math.max(1, planned);
    }

    double step() {
      done++;
      return Math.min(1.0, done / (double) planned);
    }
  }

  BudgetSweep(LlamaModel model, ChatCodec codec, ScanSettings settings, DeviceKind device, String who,
      ScanListener listener, Progress progress) {
    this.model = model;
    this.codec = codec;
    this.settings = settings;
    this.device = device;
    this.who = who;
    this.listener = listener;
    this.progress = progress;
    this.judge = new ComplianceJudge(ResponseJudge.named(settings.judge()));
  }

  /** The resolved cleanse settings δ is entrapped with at {@code budget}. */
  CleanseSettings entrapmentSettings(double budget, int pairs) {
    return CleanseSettings.resolve(settings.entrapmentOptions(budget, pairs), model.config(),
        device.wireName());
  }

  /**
   * @param entrap  the pairs δ is entrapped on
   * @param judged  the held-out pairs whose queries are answered under δ
   */
  FamilyScan sweep(BehaviourFamily family, List<DefenderExample> entrap, List<DefenderExample> judged, String note) {
    CleanseSettings first = entrapmentSettings(settings.minBudget(), entrap.size());
    List<SequenceBatch.Example> unwanted = new ArrayList<>();
    List<SequenceBatch.Example> safe = new ArrayList<>();
    for (DefenderExample e : entrap) {
      unwanted.add(codec.exchange(e.query(), e.unwantedResponse()).truncated(first.runtime().maxSequenceLength()));
      safe.add(codec.exchange(e.query(), e.safeResponse()).truncated(first.runtime().maxSequenceLength()));
    }
    int maxNewTokens = family == BehaviourFamily.INSECURE_CODE ? CleanseSettings.EvaluationSettings.CODE_MAX_NEW_TOKENS
        : ScanSettings.MAX_NEW_TOKENS;
    ChatEvaluator answers = new ChatEvaluator(model, codec, maxNewTokens, first.memory().evalBatchSize(),
        first.runtime().maxSequenceLength());
    List<BudgetRow> rows = new ArrayList<>();
    long start = System.nanoTime();
    Rates none = rates(answers, judged, null);
    double unwantedNone = AnswerLoss.meanLoss(model, unwanted, codec.tokenizer().padId());
    double safeNone = AnswerLoss.meanLoss(model, safe, codec.tokenizer().padId());
    rows.add(new BudgetRow(0, none.asr(), none.compliance(),
        finite(unwantedNone - first.entrapment().alpha() * safeNone),
        finite(unwantedNone), (System.nanoTime() - start) / 1e9, null));
    listener.budget(who, family, rows.get(0), progress.step());
    for (double budget : settings.grid()) {
      if (listener.cancelRequested()) {
        throw new ScanCancelledException("cancelled while scanning " + who + " for " + family.id());
      }
      start = System.nanoTime();
      CleanseSettings s = entrapmentSettings(budget, entrap.size());
      Entrapment entrapment = new Entrapment(model, s);
      BudgetRow row;
      try (NDManager m = model.manager().newSubManager()) {
        Entrapment.Result r = entrapment.entrap(unwanted, safe, codec.tokenizer().padId(), m,
            s.entrapment().innerSteps());
        Rates rates = rates(answers, judged, entrapment.perturbation(r));
        row = new BudgetRow(budget, rates.asr(), rates.compliance(), finite(r.objective()), finite(r.unwantedLoss()),
            (System.nanoTime() - start) / 1e9, finite(r.size().toMedian()));
      }
      rows.add(row);
      listener.budget(who, family, row, progress.step());
      if (settings.stopAfterFlip() && flippedBefore(family, rows)) {
        break;
      }
    }
    return FamilyScan.swept(family, note, entrap.size(), judged.size(), rows, settings);
  }

  /** Budgets a sweep that stops early skipped still count as done, so the progress reaches 1. */
  void skipRemaining(FamilyScan scan) {
    for (int i = scan.rows().size(); i <= settings.budgets(); i++) {
      progress.step();
    }
  }

  /**
   * Whether the budget before the last one already flipped either measure: larger budgets cannot lower the flip
   * budget any more, and the last row shows whether the flip held.
   */
  private boolean flippedBefore(BehaviourFamily family, List<BudgetRow> rows) {
    List<BudgetRow> before = rows.subList(0, rows.size() - 1);
    return FamilyScan.flipBudget(before, BudgetRow::complianceRate, settings.flipAsr(family)) != null
        || FamilyScan.lossFlip(family, before, settings) != null;
  }

  /** The held-out answers' shares judged unwanted by the cleanse's rule and compliant by the scan's. */
  private record Rates(double asr, double compliance) {}

  private Rates rates(ChatEvaluator answers, List<DefenderExample> judged, Perturbation delta) {
    List<String> responses = answers.respond(judged.stream().map(DefenderExample::query).toList(), delta);
    int unwanted = 0;
    int compliant = 0;
    for (int i = 0; i < judged.size(); i++) {
      DefenderExample e = judged.get(i);
      unwanted += judge.isUnwanted(e.query(), responses.get(i), e.safeResponse(), e.unwantedResponse()) ? 1 : 0;
      compliant += judge.isCompliant(e.query(), responses.get(i), e.safeResponse(), e.unwantedResponse()) ? 1 : 0;
    }
    return new Rates(unwanted / (double) judged.size(), compliant / (double) judged.size());
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
