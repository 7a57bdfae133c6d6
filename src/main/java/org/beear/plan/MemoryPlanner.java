package org.beear.plan;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.Optimizer;

/**
 * Plans a cleanse's memory from the model's config alone (no weights read), and chooses settings that fit a device.
 *
 * <p>The figures follow what this engine allocates: every weight in the compute dtype; for the trained parameters
 * float32 masters (float16 only), gradients in the compute dtype and the optimiser's state in float32; the
 * optimiser's per-parameter temporaries for the largest trained tensor; activations as PyTorch's autograd saves
 * them for this decoder's operations (per layer and per token: the tensors listed in {@link Activations}) plus one
 * layer's temporaries and the logits with their log-softmax and gradients; the entrapment's cached hidden states;
 * generation's KV cache. The {@code bench memory} command checks these figures against measured peaks.
 */
public final class MemoryPlanner {
  static final long GIB = 1L << 30;
  /** CUDA context, cuBLAS workspaces and the caching allocator's first blocks. */
  static final long CUDA_RUNTIME = GIB;
  /** JVM heap in use, libtorch and the tokenizer (measured: 0.25-0.7 GB resident before any model is loaded). */
  static final long CPU_RUNTIME = GIB;
  /** Rank the fitter gives adapters when it has to use them. */
  public static final int FITTED_ADAPTER_RANK = 16;

  private MemoryPlanner() {}

  /** The memory settings a fit may change: those the caller did not set. */
  public enum Knob { MICRO_BATCH, RECOMPUTE, EVAL_BATCH, OPTIMIZER, ADAPTERS, TRAINABLE_RANGE }

  /** @param workload the fitted workload (the given one when nothing fits) */
  public record Fit(Workload workload, MemoryPlan plan) {}

  public static MemoryPlan plan(ModelConfig config, Workload w, DeviceSpec device) {
    Map<String, Shape> shapes = LlamaModel.expectedShapes(config);
    int e = w.elementBytes();
    long parameters = shapes.values().stream().mapToLong(Shape::size).sum();
    Map<String, long[]> trained = trainedTensors(config, shapes, w);
    long trainedParams = trained.values().stream().mapToLong(MemoryPlanner::count).sum();
    long largestTrained = trained.values().stream().mapToLong(MemoryPlanner::count).max().orElse(0);
    long largestTensor = shapes.values().stream().mapToLong(Shape::size).max().orElse(0);
    long state = trained.values().stream().mapToLong(s -> w.optimizer().stateFloats(s)).sum() * 4;
    Activations act = new Activations(config, w);

    List<MemoryPlan.Part> parts = new ArrayList<>();
    long weights = parameters * e + (w.adapterRank() > 0 ? trainedParams * e : 0);
    parts.add(part("weights", weights, String.format(Locale.ROOT, "%,d parameters in %s%s", parameters,
        w.computeDtype(), w.adapterRank() > 0 ? " + adapters" : "")));
    long masters = w.halfPrecision() ? trainedParams * 4 : 0;
    parts.add(part("master_copies", masters, w.halfPrecision()
        ? "float32 copies of the trained parameters" : "none: float32 parameters are their own masters"));
    long gradients = trainedParams * e;
    parts.add(part("gradients", gradients, String.format(Locale.ROOT, "%,d trained parameters (%s)",
        trainedParams, trainedDescription(w))));
    parts.add(part("optimizer_state", state, w.optimizer().wireName() + " state in float32"));
    long step = largestTrained * stepBytesPerElement(w);
    parts.add(part("optimizer_step", step, "temporaries of one parameter's update (the largest trained tensor)"));
    long removal = act.removalPeak();
    parts.add(part("activations_removal", removal, String.format(Locale.ROOT,
        "%d sequences × %d tokens per pass%s, logits included", act.removalSequences(), w.maxSequenceLength(),
        w.recomputeActivations() ? ", one layer's activations at a time (recomputed)" : "")));
    long entrapment = w.entrapment() ? act.entrapmentPeak(act.entrapmentSequences()) : 0;
    parts.add(part("activations_entrapment", entrapment, w.entrapment() ? String.format(Locale.ROOT,
        "%d sequences × %d tokens per pass through layers %d..%d", act.entrapmentSequences(),
        w.maxSequenceLength(), w.anchorLayer() + 1, config.numLayers()) : "none: control run"));
    long cache = w.entrapment() ? act.hiddenCache(2L * w.batchSize()) + act.prefixKeyValues(2L * w.batchSize()) : 0;
    parts.add(part("entrapment_cache", cache, "hidden states at the anchor layer and the prompt prefixes' keys and "
        + "values at every layer, kept for a round"));
    long evalEntrapment = act.hiddenCache(2L * w.evalEntrapmentPairs())
        + act.prefixKeyValues(2L * w.evalEntrapmentPairs())
        + act.entrapmentPeak(Math.min(2 * w.evalEntrapmentPairs(), w.microBatchSize()));
    long generation = act.generationPeak();
    parts.add(part("generation", generation, String.format(Locale.ROOT,
        "KV cache of %d prompts × %d + %d tokens, and one layer's prompt pass", w.evalBatchSize(),
        w.maxSequenceLength(), w.evalMaxNewTokens())));
    parts.add(part("evaluation_entrapment", evalEntrapment, "the per-family δ evaluation entraps on "
        + 2 * w.evalEntrapmentPairs() + " hold-out sequences"));
    long load = largestTensor * (4 + e);
    parts.add(part("load_transient", load, "the largest tensor while it is read and converted"));
    long save = Math.max(largestTrained, w.adapterRank() > 0 ? largestAdapted(config, w) : 0) * 12;
    parts.add(part("save_transient", save, "a trained tensor merged and narrowed for writing"));

    long training = weights + masters + gradients + state;
    List<MemoryPlan.Phase> phases = new ArrayList<>();
    phases.add(new MemoryPlan.Phase("load", weights + load, List.of("weights", "load_transient")));
    long trainPeak = Math.max(step, Math.max(removal, entrapment + cache));
    String trainPart = trainPeak == step ? "optimizer_step" : trainPeak == removal ? "activations_removal"
        : "activations_entrapment + entrapment_cache";
    phases.add(new MemoryPlan.Phase("train", training + trainPeak,
        List.of("weights", "master_copies", "gradients", "optimizer_state", trainPart)));
    long evalPeak = Math.max(generation, evalEntrapment);
    phases.add(new MemoryPlan.Phase("evaluate", training + evalPeak, List.of("weights", "master_copies",
        "gradients", "optimizer_state", evalPeak == generation ? "generation" : "evaluation_entrapment")));
    phases.add(new MemoryPlan.Phase("save", training + save,
        List.of("weights", "master_copies", "gradients", "optimizer_state", "save_transient")));
    long peak = phases.stream().mapToLong(MemoryPlan.Phase::bytes).max().orElse(0);
    long runtime = device.kind().equals("cuda") ? CUDA_RUNTIME : CPU_RUNTIME;
    long margin = peak * MemoryPlan.MARGIN_PERCENT / 100;
    long required = peak + runtime + margin;
    return new MemoryPlan(device, w, parameters, trainedParams, List.copyOf(parts), List.copyOf(phases), peak,
        runtime, margin, required, required <= device.memoryBytes());
  }

  /**
   * The first workload, in order of least change to the computation, whose plan fits: micro-batches first (same
   * result), then activation recomputation (same result, about a third more compute), smaller generation batches,
   * then what trains: Adafactor instead of AdamW, then only the layers above the anchor layer, then rank-16
   * adapters. Knobs in {@code fixed} stay as given. Without a fitting workload, the most frugal one and its plan.
   */
  public static Fit fit(ModelConfig config, Workload w, DeviceSpec device, Set<Knob> fixed) {
    List<Workload> trainings = new ArrayList<>();
    trainings.add(w);
    boolean full = w.adapterRank() == 0;
    if (full && w.optimizer() == Optimizer.Kind.ADAMW && !fixed.contains(Knob.OPTIMIZER)) {
      trainings.add(w.withMemory(w.memory().withTraining(Optimizer.Kind.ADAFACTOR, 0, w.trainableFrom(),
          w.trainableTo())));
    }
    Workload last = trainings.get(trainings.size() - 1);
    if (full && !fixed.contains(Knob.TRAINABLE_RANGE) && w.anchorLayer() < config.numLayers()
        && w.anchorLayer() + 1 > w.trainableFrom()) {
      trainings.add(last.withMemory(last.memory().withTraining(last.optimizer(), 0, w.anchorLayer() + 1,
          w.trainableTo())));
    }
    if (full && !fixed.contains(Knob.ADAPTERS)) {
      Optimizer.Kind kind = fixed.contains(Knob.OPTIMIZER) ? w.optimizer() : Optimizer.Kind.ADAMW;
      trainings.add(w.withMemory(w.memory().withTraining(kind, FITTED_ADAPTER_RANK, w.trainableFrom(),
          w.trainableTo())));
    }
    Fit frugal = null;
    for (Workload training : trainings) {
      for (boolean recompute : fixed.contains(Knob.RECOMPUTE) ? List.of(w.recomputeActivations())
          : List.of(false, true)) {
        for (int micro : halvings(w.microBatchSize(), fixed.contains(Knob.MICRO_BATCH))) {
          for (int evalBatch : halvings(w.evalBatchSize(), fixed.contains(Knob.EVAL_BATCH))) {
            Workload candidate = training.withMemory(
                training.memory().withRecompute(recompute).withMicroBatch(micro).withEvalBatch(evalBatch));
            MemoryPlan plan = plan(config, candidate, device);
            if (plan.fits()) {
              return new Fit(candidate, plan);
            }
            if (frugal == null || plan.requiredBytes() < frugal.plan().requiredBytes()) {
              frugal = new Fit(candidate, plan);
            }
          }
        }
      }
    }
    return frugal;
  }

  public static Set<Knob> noKnobsFixed() {
    return EnumSet.noneOf(Knob.class);
  }

  private static List<Integer> halvings(int start, boolean fixed) {
    List<Integer> out = new ArrayList<>();
    out.add(start);
    if (!fixed) {
      for (int v = start / 2; v >= 1; v /= 2) {
        out.add(v);
      }
      int smallest = 1;
      if (out.get(out.size() - 1) != smallest) {
        out.add(smallest);
      }
    }
    return out;
  }

  /** Name → shape of what trains: the range's weights, or A and B of each adapted projection. */
  static Map<String, long[]> trainedTensors(ModelConfig config, Map<String, Shape> shapes, Workload w) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (int i = w.trainableFrom() - 1; i < w.trainableTo(); i++) {
      String prefix = "model.layers." + i + ".";
      for (Map.Entry<String, Shape> s : shapes.entrySet()) {
        if (!s.getKey().startsWith(prefix)) {
          continue;
        }
        long[] shape = s.getValue().getShape();
        if (w.adapterRank() == 0) {
          out.put(s.getKey(), shape);
        } else if (shape.length == 2) {
          out.put(s.getKey() + ":A", new long[] {w.adapterRank(), shape[1]});
          out.put(s.getKey() + ":B", new long[] {shape[0], w.adapterRank()});
        }
      }
    }
    return out;
  }

  private static long largestAdapted(ModelConfig config, Workload w) {
    return (long) Math.max(config.intermediateSize(), config.numHeads() * config.headDim()) * config.hiddenSize();
  }

  /**
   * Bytes per element of one parameter's update, all alive at once at its worst: the unscaled, clipped float32
   * gradient (float16: the widened copy, scaled in place; float32: a scaled copy) and the optimiser's temporaries,
   * each closed as soon as it is used (AdamW: the direction and its denominator; Adafactor: the direction and
   * its square; SGD: the scaled step).
   */
  static long stepBytesPerElement(Workload w) {
    long optimizer = switch (w.optimizer()) {
      case ADAMW, ADAFACTOR -> 8;
      case SGD -> 4;
    };
    return 4 + optimizer;
  }

  private static String trainedDescription(Workload w) {
    String layers = "layers " + w.trainableFrom() + ".." + w.trainableTo();
    return w.adapterRank() > 0 ? "rank-" + w.adapterRank() + " adapters on " + layers : layers;
  }

  private static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private static MemoryPlan.Part part(String name, long bytes, String note) {
    return new MemoryPlan.Part(name, bytes, note);
  }
}
