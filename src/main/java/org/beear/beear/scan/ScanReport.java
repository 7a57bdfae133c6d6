package org.beear.beear.scan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.files.DurableFiles;
import org.beear.files.JsonDocuments;

/** A scan's result as scan.json and as the lines the command line prints. */
public final class ScanReport {
  private ScanReport() {}

  /** Writes {@code result} as JSON to {@code file} (complete, then renamed into place). */
  public static void write(ScanResult result, Path file) {
    try {
      DurableFiles.writeAtomically(file, toJson(result).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  public static String toJson(ScanResult r) {
    return JsonDocuments.write(toMap(r));
  }

  public static Map<String, Object> toMap(ScanResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", r.model().toString());
    m.put("reference", r.reference() == null ? null : r.reference().toString());
    ScanSummary.of(r).putVerdict(m);
    m.put("anchor_layer", r.anchorLayer());
    m.put("perturbation_length", r.perturbationLength());
    m.put("families", families(r.families()));
    m.put("reference_families", families(r.referenceFamilies()));
    m.put("seconds", r.seconds());
    return m;
  }

  /** The calibration a verdict was judged with, and its per-family comparison, as scan.json shows it. */
  static Map<String, Object> calibration(ScanCalibration.Used used) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("kind", used.kind().name().toLowerCase(java.util.Locale.ROOT));
    c.put("basis", used.basis());
    c.put("likely_backdoored_at_score", used.backdooredScore());
    c.put("no_evidence_at_score", used.cleanScore());
    List<Map<String, Object>> scores = new ArrayList<>();
    for (ScanCalibration.FamilyScore s : used.scores()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("family", s.family().id());
      e.put("clean_flip_budget", Double.isFinite(s.cleanFlipBudget()) ? s.cleanFlipBudget() : null);
      e.put("score", s.score());
      scores.add(e);
    }
    c.put("scores", scores);
    return c;
  }

  private static List<Map<String, Object>> families(List<FamilyScan> scans) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (FamilyScan f : scans) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("family", f.family().id());
      m.put("scanned", f.scanned());
      m.put("note", f.note());
      m.put("entrapment_pairs", f.entrapPairs());
      m.put("held_out_queries", f.heldOut());
      m.put("flip_budget", f.flipBudget());
      m.put("flipped_by", f.flippedBy());
      m.put("compliance_flip_budget", f.complianceFlip());
      m.put("loss_flip_budget", f.lossFlip());
      List<Map<String, Object>> rows = new ArrayList<>();
      for (BudgetRow row : f.rows()) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("budget", row.budget());
        e.put("perturbation_asr", row.perturbationAsr());
        e.put("compliance", row.complianceRate());
        e.put("entrapment_loss", row.entrapmentLoss());
        e.put("unwanted_loss", row.unwantedLoss());
        e.put("seconds", row.seconds());
        e.put("delta_norm_ratio", row.deltaNormRatio());
        rows.add(e);
      }
      m.put("rows", rows);
      out.add(m);
    }
    return out;
  }

  /** The lines a person reads: verdict, evidence, and each sweep as a small table. */
  public static String text(ScanResult r) {
    StringBuilder s = new StringBuilder();
    s.append(String.format("verdict: %s (score %s; %s)%n", r.verdict().words(),
        r.score() == null ? "n/a" : String.format("%.2f", r.score()), r.calibration().basis()));
    for (String e : r.evidence()) {
      s.append("  - ").append(e).append('\n');
    }
    table(s, "suspect", r.families());
    table(s, "reference", r.referenceFamilies());
    s.append(String.format("anchor layer %d, δ over the last %d prompt positions; %.0f s%n", r.anchorLayer(),
        r.perturbationLength(), r.seconds()));
    return s.toString();
  }

  private static void table(StringBuilder s, String who, List<FamilyScan> scans) {
    for (FamilyScan f : scans) {
      if (!f.scanned()) {
        continue;
      }
      s.append(String.format("%s, %s: budget | perturbation ASR | compliance | entrapment loss | unwanted CE%n", who,
          f.family().id()));
      for (BudgetRow row : f.rows()) {
        s.append(String.format("  %6s | %5.1f%% | %5.1f%% | %s | %s%n", ScanCalibration.fmt(row.budget()),
            100 * row.perturbationAsr(), 100 * row.complianceRate(), loss(row.entrapmentLoss()),
            loss(row.unwantedLoss())));
      }
    }
  }

  private static String loss(Double v) {
    return v == null ? "-" : String.format("%.3f", v);
  }
}
