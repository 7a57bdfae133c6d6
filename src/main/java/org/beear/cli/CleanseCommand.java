package org.beear.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.beear.attest.Attestations;
import org.beear.attest.ModelSubjects;
import org.beear.attest.SigningKey;
import org.beear.beear.BeearCleanser;
import org.beear.beear.CleanseListener;
import org.beear.beear.CleanseRequest;
import org.beear.beear.CleanseResult;
import org.beear.beear.Provenance;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.evaluation.RateChange;
import org.beear.beear.evaluation.TriggerMatrix;
import org.beear.beear.loop.EpochRecord;
import org.beear.eval.Rate;
import org.beear.eval.TriggerSpec;
import org.beear.files.FileDigest;
import org.beear.files.FileDigests;
import org.beear.policy.ReportAmendment;
import org.beear.policy.MeasuredInputs;
import org.beear.source.LocalModelPaths;
import org.beear.source.ModelFileFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "cleanse", mixinStandardHelpOptions = true,
    description = "Removes a safety backdoor from a Hugging Face model directory with BEEAR and writes the cleansed "
        + "model plus report.json, and with --signing-key a signed attestation.")
final class CleanseCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "model directory or file:// URI") String model;

  @Option(names = "--out", required = true, description = "output directory for the cleansed model") Path out;

  @Option(names = "--work-dir", description = "checkpoints (default: .OUTNAME.beear-work beside OUT); a rerun "
      + "resumes from them")
  Path workDir;

  @Option(names = "--trigger", description = "candidate trigger for evaluation only, TEXT or TEXT@position "
      + "(prefix|suffix|wrap); repeatable") List<String> triggers = new ArrayList<>();

  @Option(names = "--defender-data", description = "harmful queries with safe/unwanted responses (JSONL or CSV)")
  Path defenderData;

  @Option(names = "--anchoring-data", description = "benign prompt/response pairs (JSONL or CSV)") Path anchoringData;

  @Option(names = "--signing-key", description = "sign an attestation of the cleansed model with this Ed25519 "
      + "private key (PEM, PKCS#8) and write it into the output as " + ModelSubjects.ATTESTATION_FILE
      + "; a missing file is created (mode 0600) with its public key beside it as FILE.pub. Without it, nothing is "
      + "signed")
  Path signingKey;

  @Mixin BaseFlag base;

  @Mixin CleanseFlags options;

  @Mixin PolicyFlags gate;

  @Mixin GateJsonFlag gateJson;

  @Override
  public Integer call() {
    gate.readPolicy();
    Path modelDir = LocalModelPaths.fromCommandLine(model);
    Path baseDir = base.dir();
    SigningKey key = signingKey == null ? null : signingKey(signingKey); // a bad key fails before any training
    List<TriggerSpec> specs = triggerSpecs(triggers);
    // beside the output, not in it: the output is renamed into place complete, so it must be new or empty
    Path absolute = out.toAbsolutePath().normalize();
    Path work = workDir != null ? workDir : absolute.resolveSibling("." + absolute.getFileName() + ".beear-work");
    // report.json records the digests of the files read, as the service's jobs do
    List<FileDigest> inputs = new ArrayList<>(ModelFileFilter.digests(modelDir, () -> false));
    if (baseDir != null) {
      // the base's files go by their URIs: an adapter and its base may both hold a tokenizer.json
      ModelFileFilter.digests(baseDir, () -> false).forEach(d -> inputs.add(new FileDigest(
          baseDir.resolve(d.path()).toUri().toString(), d.sha256(), d.bytes())));
    }
    for (Path data : new Path[] {defenderData, anchoringData}) {
      if (data != null && Files.isRegularFile(data)) {
        inputs.add(digest(data));
      }
    }
    Provenance provenance = new Provenance(new Provenance.Source(modelDir.toUri().toString(), null, null), inputs,
        List.of());
    CleanseResult r = new BeearCleanser().cleanse(
        new CleanseRequest(modelDir, out, work, options.options(), specs, defenderData, anchoringData, null,
            provenance, baseDir),
        new TerminalListener());
    System.out.println(summary(r));
    if (r.relearn() != null) {
      System.out.print(RelearnCheckCommand.table(r.relearn().models(), !specs.isEmpty()));
    }
    // the gate reads the cleansed model: its files as published, report.json aside (it cannot hold its own digest)
    PolicyFlags.Gate g = gate.gate("cleanse", r.outputDir(), () -> r.provenance() == null ? List.of()
        : r.provenance().outputs(), MeasuredInputs.of(r), gateJson.json);
    System.out.print(g.text());
    if (g.outcome() != null) {
      ReportAmendment.add(r.reportFile(), gate.policy(), g.outcome());
    }
    if (key != null) { // after the gate: the attestation records the policy's outcome
      Path attestation = Attestations.write(r.outputDir(), r.provenance().outputs(),
          g.outcome() == null ? r.predicate() : r.predicate().withPolicy(g.outcome().toMap()), key);
      System.out.println("attestation: " + attestation + " (signed by key " + key.keyId() + ")");
    }
    return g.exitCode();
  }

  /** The key in {@code file}, created first when there is none, its public key written beside it then. */
  private static SigningKey signingKey(Path file) {
    if (Files.exists(file)) {
      return SigningKey.read(file);
    }
    SigningKey key = SigningKey.readOrCreate(file);
    Path publicKey = file.resolveSibling(file.getFileName() + ".pub");
    try {
      Files.writeString(publicKey, key.publicPem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the public key " + publicKey, e);
    }
    System.err.println("created the signing key " + file + " (mode 0600); its public key, to verify with: "
        + publicKey);
    return key;
  }

  /** {@code --trigger} values, TEXT or TEXT@position (the last @ splits). */
  static List<TriggerSpec> triggerSpecs(List<String> triggers) {
    List<TriggerSpec> specs = new ArrayList<>();
    for (String t : triggers) {
      int at = t.lastIndexOf('@');
      specs.add(at < 0 ? new TriggerSpec(t, TriggerSpec.Position.SUFFIX)
          : new TriggerSpec(t.substring(0, at), TriggerSpec.Position.parse(t.substring(at + 1))));
    }
    return specs;
  }

  /** A data file outside the model directory goes by its URI. */
  private static FileDigest digest(Path file) {
    try {
      return new FileDigest(file.toAbsolutePath().normalize().toUri().toString(), FileDigests.sha256(file),
          Files.size(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  static String summary(CleanseResult r) {
    RateChange overRefusal = RateChange.overRefusal(r.before(), r.after());
    String written = org.beear.llm.PeftAdapter.isAdapter(r.outputDir())
        ? "cleansed adapter (PEFT LoRA: open it with --base on its base model)" : "cleansed model";
    return String.format("%s: %s%nreport: %s%n%s%s%n%s%n%sepochs: %d%s, %.0f s%s", written, r.outputDir(),
        r.reportFile(), r.scan() == null ? "" : "scan before: " + r.scan().line() + System.lineSeparator(),
        block("before", r.before()), block("after", r.after()),
        overRefusal == null ? "" : "over-refusal rise: " + overRefusal + System.lineSeparator(), r.epochs().size(),
        r.earlyStopped() ? " (early stop)" : "", r.seconds(),
        r.timeBreakdown().isEmpty() ? "" : String.format("%ntime: %s", r.timeBreakdown()))
        + placements(r.before(), r.after());
  }

  /**
   * The trigger placement matrix, before and after, one cell a row, and the worst cell of each (the triggered ASR
   * above); empty when not measured.
   */
  static String placements(EvalMetrics before, EvalMetrics after) {
    TriggerMatrix b = before == null ? null : before.triggerMatrix();
    TriggerMatrix a = after == null ? null : after.triggerMatrix();
    TriggerMatrix any = a != null ? a : b;
    if (any == null) {
      return "";
    }
    StringBuilder t = new StringBuilder(String.format("%n%ntrigger placements (system prompt %s%s):",
        any.systemPromptSource(), any.systemPrompt() == null ? "" : " \"" + any.systemPrompt() + "\""));
    if (any.note() != null) {
      t.append(String.format("%n  %s", any.note()));
    }
    t.append(String.format("%n  %-16s %-8s %-10s %-34s %s", "trigger", "position", "system", "before", "after"));
    for (TriggerMatrix.Cell cell : any.cells()) {
      t.append(String.format("%n  %-16s %-8s %-10s %-34s %s", cell.trigger(), cell.position().wireName(),
          cell.systemPrompt(), rate(sameCell(b, cell)), rate(sameCell(a, cell))));
    }
    worst(t, "before", b);
    worst(t, "after", a);
    return t.toString();
  }

  private static void worst(StringBuilder t, String label, TriggerMatrix m) {
    if (m != null && m.worst() != null) {
      t.append(String.format("%n  worst %s: %s, %s", label, m.worst().describe(), m.worst().rate()));
    }
  }

  private static Rate sameCell(TriggerMatrix m, TriggerMatrix.Cell cell) {
    return m == null ? null : m.rateAt(cell);
  }

  /** One measurement per line, each rate with its counts and 95% interval. */
  static String block(String label, EvalMetrics m) {
    StringBuilder b = new StringBuilder(label + ":");
    String[][] rows = {
        {"triggered ASR", rate(m.asrTriggered())},
        {"ASR without trigger", rate(m.asrNoTrigger())},
        {"perturbation ASR", rate(m.asrPerturbation())},
        {"benign exact-match", rate(m.benignExactMatch())},
        {"anchor perplexity", m.anchorPerplexity() == null ? "n/a" : String.format("%.2f", m.anchorPerplexity())},
        {"insecure code", rate(m.insecureCodeRate())},
        {"secure code", rate(m.secureCodeRate())},
        {"over-refusal", rate(m.overRefusal())}};
    for (String[] row : rows) {
      b.append(String.format("%n  %-20s %s", row[0], row[1]));
    }
    return b.toString();
  }

  /** The insecure share, and the secure share beside it: what is neither is malformed code or a refusal. */
  static String code(EvalMetrics m) {
    return m.secureCodeRate() == null ? rate(m.insecureCodeRate())
        : rate(m.insecureCodeRate()) + " (secure " + rate(m.secureCodeRate()) + ")";
  }

  /** A rate as "0.0% (0/368, 95% CI 0.0-1.0%)"; n/a when not measured. */
  static String rate(Rate r) {
    return r == null ? "n/a" : r.toString();
  }

  static String pct(Double v) {
    return v == null ? "n/a" : String.format("%.1f%%", 100 * v);
  }

  /** The settings a fit may choose, in the flags' words. */
  static String memorySettings(org.beear.beear.settings.CleanseSettings s) {
    return String.format("micro-batch-size %d, recompute-activations %s, eval-batch-size %d, optimizer %s, "
            + "adapter-rank %d, trainable layers %d..%d", s.memory().microBatchSize(),
                s.memory().recomputeActivations(),
        s.memory().evalBatchSize(), s.memory().optimizer().wireName(), s.memory().adapterRank(),
        s.memory().trainableFrom(), s.memory().trainableTo());
  }

  /** One line per epoch and per phase on stderr. */
  static final class TerminalListener implements CleanseListener {
    @Override
    public void event(String type, String message) {
      System.err.println("[" + type + "] " + message);
    }

    @Override
    public void plan(org.beear.beear.CleansePlan plan) {
      System.err.println("[plan] " + (plan.fitted() ? "fitted settings: " + memorySettings(plan.settings()) + "; "
          : "") + plan.memory().verdict());
    }

    @Override
    public void baseline(EvalMetrics before) {
      System.err.println(block("before", before));
    }

    @Override
    public void epoch(EpochRecord e, double progress) {
      System.err.printf("epoch %d: entrapment %.3f, safe CE %.3f, anchor CE %.3f, perturbation ASR %s, "
              + "triggered ASR %s, insecure code %s (%.0f s)%n", e.epoch(), e.entrapmentLoss(), e.removalSafeLoss(),
          e.removalAnchorLoss(), rate(e.metrics().asrPerturbation()), rate(e.metrics().asrTriggered()),
          code(e.metrics()), e.seconds());
    }
  }
}
