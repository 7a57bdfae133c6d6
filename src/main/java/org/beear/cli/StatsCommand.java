package org.beear.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.beear.beear.data.DefaultDefenderData;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.eval.PromptText;
import org.beear.llm.CheckedModel;
import org.beear.llm.DeviceKind;
import org.beear.llm.HiddenStateStats;
import org.beear.llm.OpenModel;
import org.beear.llm.TokenNorms;
import org.beear.llm.text.jinja.Cancellation;
import org.beear.options.Option;
import org.beear.source.LocalModelPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code beear stats}: the hidden states' size layer by layer on a few prompts framed by the model's chat template,
 * so a user sees on a real checkpoint what δ is sized against and whether it carries massive activations.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Prints, per layer (0: the embedding output), the hidden states' RMS at the first token, over δ's "
        + "window (the last n prompt positions) and over all tokens, the typical RMS δ is sized by (outlier tokens "
        + "left out), and the largest channels with their ratio to the median channel magnitude, over all tokens and "
        + "at the first token: massive activations show as first-token ratios in the hundreds or more.")
final class StatsCommand implements Callable<Integer> {
  /** Default prompts: this many of the default defender data's harmful queries. */
  static final int DEFAULT_PROMPTS = 8;
  static final int MAX_PROMPTS = 32;
  static final long MAX_PROMPTS_FILE_BYTES = 1 << 20;
  static final int MAX_TOP = 32;

  @picocli.CommandLine.Option(names = "--model", required = true, description = "model directory or file:// URI")
  String model;

  @picocli.CommandLine.Option(names = "--prompts", description = "a UTF-8 text file, one prompt per line (blank lines "
      + "skipped; at most " + MAX_PROMPTS + "); default: the first " + DEFAULT_PROMPTS + " harmful queries of the "
      + "default defender data")
  Path prompts;

  @picocli.CommandLine.Option(names = "--json", description = "also write the figures to this file (snake_case)")
  Path json;

  @picocli.CommandLine.Option(names = "--top", defaultValue = "3", description = "largest channels listed per layer "
      + "(1 to " + MAX_TOP + "; default 3)")
  int top;

  @Mixin BaseFlag base;

  @Mixin Flags options;

  /** The cleanse options that mean something here: l and n, the sequence length, device, dtype, system prompt. */
  @Command(modelTransformer = Flags.Declare.class)
  static final class Flags {
    static final Set<Option<?>> USED = Set.of(BeearOptions.ANCHOR_LAYER, BeearOptions.PERTURBATION_LENGTH,
        BeearOptions.MAX_SEQUENCE_LENGTH, BeearOptions.DEVICE, BeearOptions.COMPUTE_DTYPE, BeearOptions.SYSTEM_PROMPT);

    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    BeearOptions options() {
      return BeearOptions.fromMap(OptionFlags.given(spec, BeearOptions.SET));
    }

    static final class Declare implements IModelTransformer {
      @Override
      public CommandSpec transform(CommandSpec spec) {
        OptionFlags.add(spec, BeearOptions.SET, USED::contains);
        return spec;
      }
    }
  }

  @Override
  public Integer call() throws IOException {
    if (top < 1 || top > MAX_TOP) {
      throw new IllegalArgumentException("--top must be 1 to " + MAX_TOP + ", not " + top);
    }
    Path modelDir = LocalModelPaths.fromCommandLine(model);
    List<String> texts = prompts == null ? defaultPrompts() : readPrompts(prompts);
    CheckedModel checked = CheckedModel.check(modelDir, base.dir());
    BeearOptions given = options.options();
    DeviceKind device = DeviceKind.choose(given.get(BeearOptions.DEVICE));
    CleanseSettings s = CleanseSettings.resolve(given, checked.config(), device.wireName());
    int window = s.entrapment().perturbationLength();
    int maxLength = s.runtime().maxSequenceLength();
    HiddenStateStats.Report report;
    try (OpenModel open = checked.open(device, s.runtime().computeDtype(), s.runtime().systemPrompt(),
        Cancellation.NONE)) {
      List<long[]> ids = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        long[] p = open.codec().prompt(texts.get(i));
        if (p.length > maxLength) {
          throw new IllegalArgumentException(String.format(Locale.ROOT, "prompt %d is %d tokens long, more than "
              + "max_sequence_length %d", i + 1, p.length, maxLength));
        }
        ids.add(p);
      }
      report = HiddenStateStats.measure(open.model(), ids, window, top);
    }
    System.out.print(table(report, s.entrapment().anchorLayer(), modelDir));
    if (json != null) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", modelDir.toString());
      m.put("anchor_layer", s.entrapment().anchorLayer());
      m.put("device", device.wireName());
      m.put("compute_dtype", s.runtime().computeDtype());
      m.putAll(report.toMap());
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), m);
      System.out.println("json: " + json);
    }
    return 0;
  }

  /** The text table: one row per layer, the anchor layer marked. */
  static String table(HiddenStateStats.Report r, int anchorLayer, Path model) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%s: %d prompts, %d tokens; window: the last %d prompt positions; anchor "
        + "layer %d (*)%n", model, r.prompts(), r.tokens(), r.window(), anchorLayer));
    s.append(String.format(Locale.ROOT, "RMS of the hidden states; typical: without tokens above %.0f x the median "
        + "token norm (outliers); channels: |h| over the median |h| (all tokens) or over the median channel at the "
        + "first token%n", TokenNorms.OUTLIER_FACTOR));
    s.append(String.format(Locale.ROOT, "%6s | %9s | %9s | %9s | %9s | %8s | %-28s | %-28s%n", "layer", "first",
        "window", "all", "typical", "outliers", "top channels (all tokens)", "top channels (first token)"));
    for (HiddenStateStats.Layer l : r.layers()) {
      s.append(String.format(Locale.ROOT, "%5d%s | %9.4g | %9.4g | %9.4g | %9.4g | %8d | %-28s | %-28s%n",
          l.layer(), l.layer() == anchorLayer ? "*" : " ", l.rmsFirstToken(), l.rmsWindow(), l.rmsAll(),
          l.rmsTypical(), l.outlierTokens(), channels(l.top()), channels(l.firstTokenTop())));
    }
    return s.toString();
  }

  private static String channels(List<HiddenStateStats.Channel> channels) {
    // a zero median (an embedding that is zero but on a few channels) has no ratio: the magnitude instead
    return channels.stream().map(c -> c.ratio() == null
            ? String.format(Locale.ROOT, "%d:|h|=%.3g", c.channel(), c.magnitude())
            : String.format(Locale.ROOT, "%d:%.3gx", c.channel(), c.ratio()))
        .collect(Collectors.joining(" "));
  }

  private static List<String> defaultPrompts() {
    List<DefenderExample> harmful = DefaultDefenderData.harmfulCompliance(BeearOptions.SET.orDefault(BeearOptions.SET.empty(), BeearOptions.SEED)).harmful();
    return harmful.subList(0, Math.min(DEFAULT_PROMPTS, harmful.size())).stream().map(DefenderExample::query)
        .toList();
  }

  /** Non-blank lines, each a prompt: bounded in number and size, no control characters but tabs. */
  static List<String> readPrompts(Path file) {
    String text;
    try {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("prompts file " + file + " does not exist");
      }
      if (Files.size(file) > MAX_PROMPTS_FILE_BYTES) {
        throw new IllegalArgumentException("prompts file " + file + " is larger than " + MAX_PROMPTS_FILE_BYTES
            + " bytes");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException("prompts file " + file + " is not UTF-8 text");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    List<String> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.isBlank()) {
        continue;
      }
      String problem = PromptText.controlCharacterProblem(line);
      if (problem != null) {
        throw new IllegalArgumentException(file.getFileName() + " line " + (i + 1) + ": " + problem);
      }
      out.add(line);
      if (out.size() > MAX_PROMPTS) {
        throw new IllegalArgumentException(file.getFileName() + " has more than " + MAX_PROMPTS + " prompts");
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file.getFileName() + " has no prompts (one per line)");
    }
    return out;
  }
}
