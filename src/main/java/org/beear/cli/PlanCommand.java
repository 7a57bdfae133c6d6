package org.beear.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.beear.beear.BeearCleanser;
import org.beear.beear.CleansePlan;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.files.JsonDocuments;
import org.beear.llm.CheckedModel;
import org.beear.llm.DeviceKind;
import org.beear.llm.ModelConfig;
import org.beear.plan.DeviceSpec;
import org.beear.source.LocalModelPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Plans a cleanse's memory from a model's config.json alone, before anything is downloaded or loaded: what each
 * part takes, each phase's peak, the verdict for the device, and with {@code --fit} the memory settings that fit.
 * Exit status 0 when the cleanse fits, 3 when it does not.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Plans the memory of a cleanse from config.json alone: bytes per part, the verdict for a device, "
        + "and with --fit the settings that fit. Exit status 0 if it fits, 3 if not.")
final class PlanCommand implements Callable<Integer> {
  static final int DOES_NOT_FIT = 3;

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true,
      description = "model directory, file:// URI, or a config.json file (no weights needed)") String model;

  @Option(names = "--device-memory", description = "memory the cleanse may use on the device, e.g. 80GiB "
      + "(default: this machine's RAM for cpu, the GPU's memory for cuda)") String deviceMemory;

  @Option(names = "--json", description = "print the plan as JSON") boolean json;

  @Mixin BaseFlag base;

  @Mixin CleanseFlags options;

  @Override
  public Integer call() throws Exception {
    ModelConfig config = config();
    BeearOptions o = options.options();
    DeviceSpec device = device(o);
    CleansePlan plan = new BeearCleanser().plan(config, o, device);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(JsonDocuments.write(plan.describe()));
    } else {
      out.printf("%s: %s, %d layers, hidden %d, %d heads (%d KV), vocabulary %d%n", model, config.architecture(),
          config.numLayers(), config.hiddenSize(), config.numHeads(), config.numKeyValueHeads(), config.vocabSize());
      CleanseSettings s = plan.settings();
      out.printf("settings%s: batch %d pairs + %d anchors × %d tokens, %s%n", plan.fitted() ? " (fitted)" : "",
          s.schedule().batchSize(), s.schedule().anchorBatchSize(), s.runtime().maxSequenceLength(),
          CleanseCommand.memorySettings(s));
      out.print(plan.memory().toText());
    }
    out.flush();
    return plan.fits() ? 0 : DOES_NOT_FIT;
  }

  private ModelConfig config() {
    Path baseDir = base.dir();
    if (baseDir != null) {
      // an adapter is planned on its base's shape, and checked against it
      return CheckedModel.weightsConfig(LocalModelPaths.fromCommandLine(model), baseDir);
    }
    Path path = model.endsWith(".json") && !model.startsWith("file:") ? Path.of(model)
        : LocalModelPaths.fromCommandLine(model);
    if (Files.isRegularFile(path)) {
      try {
        return ModelConfig.parse(Files.readString(path));
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage(), e);
      }
    }
    return ModelConfig.load(path);
  }

  private DeviceSpec device(BeearOptions o) {
    BeearCleanser cleanser = new BeearCleanser();
    if (deviceMemory == null) {
      try {
        return cleanser.localDevice(o);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + "; give --device-memory to plan for a device this "
            + "machine does not have");
      }
    }
    DeviceKind kind = DeviceKind.requested(o.get(BeearOptions.DEVICE), DeviceKind.cudaVisible());
    return new DeviceSpec(kind.wireName(), DeviceSpec.parseSize(deviceMemory));
  }
}
