package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.files.PlainFiles;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.CheckpointException;
import org.beear.llm.weights.TensorInfo;

/**
 * A PEFT LoRA adapter directory ({@code adapter_config.json} + {@code adapter_model.safetensors}) checked against the
 * base it applies to, without reading its tensors: the config is one beear implements ({@link LoraConfig}), and the
 * file holds exactly a {@code lora_A} [r, in] and a {@code lora_B} [out, r] for every projection of the base that
 * the config targets, under PEFT's names ({@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight}),
 * in F32, F16 or BF16. Anything else in the file is refused by name: it is as untrusted as the model.
 *
 * @param dir     the adapter's directory
 * @param config  its adapter_config.json
 * @param targets the weight names of the projections it adapts, in the base's order
 */
public record PeftAdapter(Path dir, LoraConfig config, List<String> targets) {

  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  /** What PEFT's save_pretrained puts before a transformers module name: the LoraModel, then the wrapped model. */
  public static final String KEY_PREFIX = "base_model.model.";

  public PeftAdapter {
    targets = List.copyOf(targets);
  }

  /** Whether {@code dir} holds an adapter rather than a full model: it has an adapter_config.json. */
  public static boolean isAdapter(Path dir) {
    return dir != null && Files.exists(dir.resolve(LoraConfig.FILE_NAME), LinkOption.NOFOLLOW_LINKS);
  }

  /** PEFT's name of the A or B of the projection {@code weightName}. */
  public static String key(String weightName, char which) {
    return KEY_PREFIX + LowRankAdapter.tensorName(weightName, which);
  }

  /**
   * Checks the adapter in {@code dir} against a base of shape {@code base}.
   *
   * @throws IllegalArgumentException with a one-line message naming the file and the field or tensor at fault
   */
  public static PeftAdapter check(Path dir, ModelConfig base) {
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("adapter directory " + dir + " does not exist");
    }
    PlainFiles.firstNonPlainEntry(dir).ifPresent(problem -> {
      throw new IllegalArgumentException(dir + ": " + problem);
    });
    LoraConfig config = LoraConfig.load(dir);
    Path file = dir.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(dir + " has no " + WEIGHTS_FILE
          + (Files.exists(dir.resolve("adapter_model.bin")) ? " (adapter_model.bin is a pickle, which beear does "
          + "not load: save the adapter with safe_serialization=True)" : ""));
    }
    Map<String, Shape> shapes = LlamaModel.expectedShapes(base);
    List<String> targets = new ArrayList<>();
    for (String name : shapes.keySet()) {
      if (name.startsWith("model.layers.") && name.endsWith("_proj.weight") && config.targets(name)) {
        targets.add(name);
      }
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException(dir.resolve(LoraConfig.FILE_NAME) + ": target_modules "
          + config.json().get("target_modules") + " matches none of the base's projections");
    }
    Map<String, long[]> expected = new LinkedHashMap<>();
    for (String t : targets) {
      long[] w = shapes.get(t).getShape(); // [out, in]
      expected.put(key(t, 'A'), new long[] {config.r(), w[1]});
      expected.put(key(t, 'B'), new long[] {w[0], config.r()});
    }
    try (Checkpoint checkpoint = Checkpoint.open(file)) {
      long bytes = 0;
      for (TensorInfo t : checkpoint.tensors()) {
        long[] want = expected.get(t.name());
        if (want == null) {
          throw new IllegalArgumentException(file + ": tensor \"" + abbreviate(t.name()) + "\" is not the lora_A or "
              + "lora_B of a projection that adapter_config.json targets (expected names like \""
              + key(targets.get(0), 'A') + "\")");
        }
        if (!Arrays.equals(t.shape(), want)) {
          throw new IllegalArgumentException(file + ": tensor \"" + t.name() + "\" has shape "
              + Arrays.toString(t.shape()) + ", but r = " + config.r() + " and the base imply "
              + Arrays.toString(want));
        }
        bytes += t.byteLength();
      }
      for (String name : expected.keySet()) {
        if (!checkpoint.contains(name)) {
          throw new IllegalArgumentException(file + ": tensor \"" + name + "\" is missing (adapter_config.json "
              + "targets its projection)");
        }
      }
      long size = Files.size(file);
      // the data the tensors need, their header, and no more: a file padded to gigabytes is not an adapter
      if (size > bytes + (1L << 20) + 8 * (long) expected.size() * 256) {
        throw new IllegalArgumentException(file + " is " + size + " bytes, far more than its " + bytes
            + " bytes of tensors");
      }
    } catch (CheckpointException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return new PeftAdapter(dir, config, targets);
  }

  /**
   * Loads A and B of every target in the model's dtype, on its device, checks they are finite, and attaches them,
   * frozen, so the model computes W·x + s·B·A·x (the unmerged path).
   */
  public void attachTo(LlamaModel model) {
    try (Checkpoint checkpoint = Checkpoint.open(dir.resolve(WEIGHTS_FILE))) {
      for (String t : targets) {
        NDArray a = ModelDirectory.loadOnto(checkpoint, key(t, 'A'), model.manager(), model.dtype());
        NDArray b = ModelDirectory.loadOnto(checkpoint, key(t, 'B'), model.manager(), model.dtype());
        a.setRequiresGradient(false);
        b.setRequiresGradient(false);
        model.attachAdapter(t, a, b, config.scale());
      }
    } catch (CheckpointException e) {
      model.detachAdapters();
      throw new IllegalArgumentException(e.getMessage(), e);
    } catch (RuntimeException e) {
      model.detachAdapters();
      throw e;
    }
  }

  /**
   * Writes an adapter as PEFT's save_pretrained does, loadable by PEFT on the same base: {@code config} as
   * adapter_config.json and {@code tensors} (weight name → {A [r, in], B [out, r]}, any float dtype) as
   * adapter_model.safetensors in {@code dtype}, under PEFT's names. The tensors must be exactly the ones the
   * config targets on a base of shape {@code base}; the written directory is checked as an input would be.
   */
  public static PeftAdapter write(Path outDir, LoraConfig config, ModelConfig base,
      Map<String, NDArray[]> tensors, org.beear.llm.weights.TensorDType dtype) {
    Map<String, NDArray> named = new LinkedHashMap<>();
    tensors.forEach((weightName, ab) -> {
      if (!config.targets(weightName)) {
        throw new IllegalArgumentException("the adapter config does not target " + weightName);
      }
      named.put(key(weightName, 'A'), ab[0]);
      named.put(key(weightName, 'B'), ab[1]);
    });
    try {
      Files.createDirectories(outDir);
      org.beear.llm.weights.CheckpointWriter.writeFile(outDir.resolve(WEIGHTS_FILE), named, dtype, Map.of());
      Path configFile = outDir.resolve(LoraConfig.FILE_NAME);
      Path temp = Files.createTempFile(outDir, "." + LoraConfig.FILE_NAME + ".", ".tmp");
      Files.writeString(temp, config.toJson());
      Files.move(temp, configFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the adapter to " + outDir + ": " + e.getMessage(), e);
    }
    return check(outDir, base);
  }

  /** The float32 A and B of {@code weightName} as stored, on the host, in {@code manager}. */
  public NDArray[] load(String weightName, NDManager manager) {
    try (Checkpoint checkpoint = Checkpoint.open(dir.resolve(WEIGHTS_FILE))) {
      return new NDArray[] {
          checkpoint.loadFinite(key(weightName, 'A'), manager, ai.djl.ndarray.types.DataType.FLOAT32),
          checkpoint.loadFinite(key(weightName, 'B'), manager, ai.djl.ndarray.types.DataType.FLOAT32)};
    }
  }

  /** A name from the file, shortened and with control characters escaped, so an error stays one line. */
  private static String abbreviate(String s) {
    String shown = s.length() > 120 ? s.substring(0, 117) + "..." : s;
    StringBuilder out = new StringBuilder();
    shown.codePoints().forEach(c -> out.append(Character.isISOControl(c) ? String.format("\\u%04x", c)
        : new String(Character.toChars(c))));
    return out.toString();
  }
}
