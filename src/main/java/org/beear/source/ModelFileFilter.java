package org.beear.source;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.beear.files.FileDigest;
import org.beear.files.FileDigests;

/**
 * Which files of a remote model repository or bucket prefix are fetched: weights as safetensors (never pickle
 * formats, which run code when loaded), configs (a PEFT adapter's adapter_config.json too), tokenizer and
 * chat-template files. Everything else is skipped,
 * so a repository that also carries {@code pytorch_model.bin} costs nothing and risks nothing.
 */
public final class ModelFileFilter {

  private static final Set<String> NAMES = Set.of("config.json", "generation_config.json",
      "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
      "added_tokens.json", "tokenizer.model", "chat_template.jinja", "chat_template.json", "vocab.json",
      "merges.txt", "adapter_config.json");

  private ModelFileFilter() {}

  /**
   * Whether a file at this repository-relative path is fetched: top-level files only (a model directory is flat),
   * named as above or ending in {@code .safetensors}.
   */
  public static boolean wanted(String path) {
    if (path == null || path.isEmpty() || path.contains("/") || path.contains("\\") || path.startsWith(".")) {
      return false;
    }
    String name = path.toLowerCase(Locale.ROOT);
    return NAMES.contains(name) || name.endsWith(".safetensors");
  }

  /**
   * The digests of the files in a local model directory that the engine reads: those {@link #wanted} accepts, the
   * same whether the directory was fetched or given as {@code file://}.
   */
  public static List<FileDigest> digests(Path modelDir, BooleanSupplier cancelled) {
    return FileDigests.of(modelDir, ModelFileFilter::wanted, cancelled);
  }
}
