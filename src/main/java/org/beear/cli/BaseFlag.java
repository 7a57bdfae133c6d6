package org.beear.cli;

import java.nio.file.Path;
import org.beear.source.LocalModelPaths;
import picocli.CommandLine.Option;

/**
 * {@code --base}: the full model a PEFT LoRA adapter applies to, for every command that reads a model. With it,
 * {@code --model} names the adapter's directory (adapter_config.json + adapter_model.safetensors).
 */
final class BaseFlag {
  @Option(names = "--base", paramLabel = "DIR", description = "when --model is a PEFT LoRA adapter directory "
      + "(adapter_config.json + adapter_model.safetensors): the base model it applies to, a directory or file:// URI")
  String base;

  /** The base's directory, or null when none was given. */
  Path dir() {
    return base == null ? null : LocalModelPaths.fromCommandLine(base);
  }
}
