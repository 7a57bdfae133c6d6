package org.beear.job;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.beear.files.JsonDocuments;
import org.beear.options.InvalidOptionsException;
import org.beear.policy.InvalidPolicyException;
import org.beear.policy.Policy;
import org.beear.options.OptionProblem;
import org.beear.source.ShownPaths;
import org.beear.source.SourceException;

/** Turns the checks of a request's fields into {@link FieldProblem}s, so every bad field is reported at once. */
final class FieldChecks {
  private FieldChecks() {}

  /** The check's value, or null with a problem on {@code field} when the source layer refused it. */
  static <T> T check(List<FieldProblem> problems, String field, Supplier<T> check) {
    try {
      return check.get();
    } catch (SourceException e) {
      problems.add(new FieldProblem(field, e.getMessage()));
      return null;
    }
  }

  /** Options that do not suit the model, each on its own field ({@code options.anchor_layer}). */
  static List<FieldProblem> optionProblems(InvalidOptionsException e) {
    return fields(e.problems());
  }

  /**
   * The problems with the service's own paths in their messages replaced by what the caller knows them as: the
   * engine names a model's files by the local paths it read them from.
   */
  static List<FieldProblem> withPathsShown(List<FieldProblem> problems, ShownPaths shown) {
    return problems.stream().map(p -> new FieldProblem(p.field(), shown.in(p.message()))).toList();
  }

  /**
   * The job's policy as the JSON the job stores (null without one), or null with a problem on
   * {@code policy.KEY} (or {@code policy}) when it is not a valid policy.
   */
  static String policy(List<FieldProblem> problems, Map<String, Object> policy) {
    if (policy == null) {
      return null;
    }
    try {
      return JsonDocuments.line(Policy.fromMap(policy).toMap());
    } catch (InvalidPolicyException e) {
      problems.add(new FieldProblem(e.key() == null ? "policy" : "policy." + e.key(), e.getMessage()));
      return null;
    }
  }

  /** Problems of {@code validate()} on their fields under {@code options.}. */
  static void addOptionErrors(List<FieldProblem> problems, List<OptionProblem> errors) {
    problems.addAll(fields(errors));
  }

  static List<FieldProblem> fields(List<OptionProblem> problems) {
    return problems.stream().map(p -> new FieldProblem("options." + p.option(), p.message())).toList();
  }
}
