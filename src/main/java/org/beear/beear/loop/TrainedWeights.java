package org.beear.beear.loop;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.LlamaModel;
import org.beear.llm.LowRankAdapter;
import org.beear.llm.Ops;
import org.beear.llm.PeftAdapter;
import org.beear.llm.TrainableParameters;
import org.beear.llm.weights.Checkpoint;

/**
 * What removal trains in one cleanse: the weights of the trainable layers, or LoRA adapters on their projections;
 * with their float32 masters ({@link TrainableParameters}), what an epoch checkpoint keeps of them, and what the
 * cleansed checkpoint writes in place of the source's tensors.
 */
public final class TrainedWeights implements AutoCloseable {
  private final LlamaModel model;
  private final CleanseSettings settings;
  private final TrainableParameters parameters;
  /**
   * The update s·B·A of the adapter the model was opened with (a PEFT adapter input), float32 on the host, by the
   * weight it adapts: part of every weight a merged output writes, trained or not.
   */
  private final Map<String, NDArray> inputAdapter;
  private final NDManager inputAdapterManager;

  private TrainedWeights(LlamaModel model, CleanseSettings settings, TrainableParameters parameters,
      Map<String, NDArray> inputAdapter, NDManager inputAdapterManager) {
    this.model = model;
    this.settings = settings;
    this.parameters = parameters;
    this.inputAdapter = inputAdapter;
    this.inputAdapterManager = inputAdapterManager;
  }

  /**
   * Selects (or, with adapters, attaches) what trains. An adapter the model was opened with stays frozen: attached
   * while the layers' weights train, or merged into them first when adapters of this cleanse's own train there;
   * but with output_format adapter its own A and B are what trains (on the layers trainable_from..trainable_to),
   * the base frozen.
   */
  public static TrainedWeights attach(LlamaModel model, CleanseSettings s) {
    boolean trainInput = trainsInputAdapter(model, s);
    NDManager inputManager = NDManager.newBaseManager(Device.cpu());
    Map<String, NDArray> input = new LinkedHashMap<>();
    if (!trainInput) {
      model.adapters().forEach((name, a) -> {
        try (NDManager scope = model.manager().newSubManager()) {
          scope.tempAttachAll(a.a(), a.b(), a.scale());
          NDArray delta = Ops.atLeastFloat32(a.b()).matMul(Ops.atLeastFloat32(a.a()))
              .mul(a.scale().toType(DataType.FLOAT32, false))
              .toDevice(Device.cpu(), true);
          delta.attach(inputManager);
          input.put(name, delta);
        }
      });
    }
    if (s.memory().adapters() && !trainInput) {
      model.mergeAdapters();
    }
    Map<String, NDArray> working = new LinkedHashMap<>();
    if (trainInput) {
      java.util.Set<String> range = new java.util.HashSet<>(
          model.projectionNames(s.memory().trainableFrom(), s.memory().trainableTo()));
      model.adapters().forEach((name, a) -> {
        if (range.contains(name)) {
          working.put(LowRankAdapter.tensorName(name, 'A'), a.a());
          working.put(LowRankAdapter.tensorName(name, 'B'), a.b());
        }
      });
      if (working.isEmpty()) {
        inputManager.close();
        throw new IllegalArgumentException("the input adapter adapts no projection of layers "
            + s.memory().trainableFrom() + ".." + s.memory().trainableTo() + " (trainable_from..trainable_to), so "
            + "output_format adapter would train nothing");
      }
    } else if (s.memory().adapters()) {
      for (String name : model.projectionNames(s.memory().trainableFrom(), s.memory().trainableTo())) {
        LowRankAdapter a = model.attachAdapter(name, s.memory().adapterRank(), s.removal().adapterAlpha(),
            s.schedule().seed());
        working.put(LowRankAdapter.tensorName(name, 'A'), a.a());
        working.put(LowRankAdapter.tensorName(name, 'B'), a.b());
      }
    } else {
      model.layerWeightNames(s.memory().trainableFrom(), s.memory().trainableTo()).forEach(n -> working.put(n,
          model.weights().get(n)));
    }
    return new TrainedWeights(model, s, new TrainableParameters(working, model.manager()), input, inputManager);
  }

  /** Whether removal trains the A and B of the adapter the model was opened with (output_format adapter). */
  private static boolean trainsInputAdapter(LlamaModel model, CleanseSettings s) {
    return s.removal().writesAdapter() && !model.adapters().isEmpty();
  }

  /**
   * The adapter an adapter output holds, float32 on the host in {@code manager}, by the weight each adapts
   * (A [r, in], B [out, r]), in layer order: every adapter attached to the model, the trained ones from their
   * masters and the others (an input adapter's, outside trainable_from..trainable_to) as {@code input} stores them.
   *
   * @param input the adapter the model was opened with, or null
   */
  public Map<String, NDArray[]> adapterForSaving(PeftAdapter input, NDManager manager) {
    Map<String, NDArray> masters = parameters.masters();
    Map<String, NDArray[]> out = new LinkedHashMap<>();
    for (String name : model.adapters().keySet()) {
      NDArray a = masters.get(LowRankAdapter.tensorName(name, 'A'));
      if (a == null) {
        out.put(name, input.load(name, manager));
        continue;
      }
      NDArray b = masters.get(LowRankAdapter.tensorName(name, 'B'));
      NDArray[] ab = {a.toDevice(Device.cpu(), true).toType(DataType.FLOAT32, false),
          b.toDevice(Device.cpu(), true).toType(DataType.FLOAT32, false)};
      for (NDArray x : ab) {
        x.attach(manager);
      }
      out.put(name, ab);
    }
    return out;
  }

  public TrainableParameters parameters() {
    return parameters;
  }

  /**
   * Each trained matrix's learning-rate multiplier for its fan-in ({@link CleanseSettings#rateScale}); an adapter's
   * A and B take their weight's. Vectors (norms, biases) keep the rate as given.
   */
  public Map<String, Double> rateScales() {
    Map<String, Double> out = new LinkedHashMap<>();
    if (settings.memory().adapters()) {
      model.adapters().forEach((name, a) -> {
        if (!parameters.masters().containsKey(LowRankAdapter.tensorName(name, 'A'))) {
          return; // an input adapter's, frozen outside trainable_from..trainable_to
        }
        double scale = settings.removal().rateScale(model.weights().get(name).getShape().get(1));
        out.put(LowRankAdapter.tensorName(name, 'A'), scale);
        out.put(LowRankAdapter.tensorName(name, 'B'), scale);
      });
    } else {
      for (String name : parameters.names()) {
        ai.djl.ndarray.types.Shape shape = model.weights().get(name).getShape();
        if (shape.dimension() == 2) {
          out.put(name, settings.removal().rateScale(shape.get(1)));
        }
      }
    }
    return out;
  }

  /** The float32 masters by name: what an epoch checkpoint stores to resume from. */
  Map<String, NDArray> checkpointTensors() {
    return parameters.masters();
  }

  /** The bytes {@link #checkpointTensors()} take in a checkpoint (float32), for the free-space check before one. */
  public long checkpointBytes() {
    return checkpointTensors().values().stream().mapToLong(a -> a.size() * Float.BYTES).sum();
  }

  /** Copies tensors saved by {@link #checkpointTensors()} back into the masters and the working copies. */
  void restore(Checkpoint saved) {
    try (NDManager staging = NDManager.newBaseManager(Device.cpu())) {
      for (Map.Entry<String, NDArray> e : parameters.masters().entrySet()) {
        if (!saved.contains(e.getKey())) {
          throw new IllegalStateException("the checkpoint has no tensor " + e.getKey()
              + "; it was written with other settings");
        }
        NDArray value = saved.load(e.getKey(), staging, DataType.FLOAT32);
        e.getValue().set(new NDIndex("..."), value.toDevice(e.getValue().getDevice(), false));
      }
    }
    parameters.syncWorking();
  }

  /**
   * The source tensors a cleansed checkpoint replaces: the trained weights, or the adapted ones, and those the input
   * adapter adapts.
   */
  public java.util.Set<String> replacedTensors() {
    java.util.Set<String> out = new java.util.LinkedHashSet<>(
        settings.memory().adapters() ? model.adapters().keySet() : parameters.masters().keySet());
    out.addAll(inputAdapter.keySet());
    return out;
  }

  /**
   * The float32 tensor to write in place of the source's {@code name}, a fresh array the writer closes: a trained
   * weight's master, or an adapted weight merged with its adapter, W + (α/r)·B·A, from W as {@code source} stores it
   * (not its float16 copy), computed on the host.
   */
  public NDArray forSaving(String name, Checkpoint source) {
    NDArray saved = trainedForSaving(name, source);
    NDArray delta = inputAdapter.get(name);
    if (delta == null) {
      return saved;
    }
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      saved.attach(scope);
      NDArray merged = saved.add(delta);
      merged.detach();
      return merged;
    }
  }

  private NDArray trainedForSaving(String name, Checkpoint source) {
    if (!settings.memory().adapters() && parameters.masters().containsKey(name)) {
      NDArray master = parameters.masters().get(name);
      NDArray copy = master.toDevice(Device.cpu(), true);
      copy.detach();
      return copy;
    }
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> masters = parameters.masters();
      NDArray weight = source.load(name, scope, DataType.FLOAT32); // [out, in]
      if (!masters.containsKey(LowRankAdapter.tensorName(name, 'A'))) {
        weight.detach();
        return weight;
      }
      NDArray a = masters.get(LowRankAdapter.tensorName(name, 'A')).toDevice(Device.cpu(), true);
      NDArray b = masters.get(LowRankAdapter.tensorName(name, 'B')).toDevice(Device.cpu(), true);
      a.attach(scope);
      b.attach(scope);
      NDArray scale = scope.full(new ai.djl.ndarray.types.Shape(),
          (float) (settings.removal().adapterAlpha() / settings.memory().adapterRank()));
      NDArray merged = weight.add(b.matMul(a).mul(scale)); // [out, in]
      merged.detach();
      return merged;
    }
  }

  @Override
  public void close() {
    parameters.close();
    inputAdapterManager.close();
    model.detachAdapters();
  }
}
