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

  private TrainedWeights(LlamaModel model, CleanseSettings settings, TrainableParameters parameters) {
    this.model = model;
    this.settings = settings;
    this.parameters = parameters;
  }

  /** Selects (or, with adapters, attaches) what trains. */
  public static TrainedWeights attach(LlamaModel model, CleanseSettings s) {
    Map<String, NDArray> working = new LinkedHashMap<>();
    if (s.memory().adapters()) {
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
    return new TrainedWeights(model, s, new TrainableParameters(working, model.manager()));
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
  long checkpointBytes() {
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

  /** The source tensors a cleansed checkpoint replaces: the trained weights, or the adapted ones. */
  public java.util.Set<String> replacedTensors() {
    return settings.memory().adapters() ? model.adapters().keySet() : parameters.masters().keySet();
  }

  /**
   * The float32 tensor to write in place of the source's {@code name}, a fresh array the writer closes: a trained
   * weight's master, or an adapted weight merged with its adapter, W + (α/r)·B·A, from W as {@code source} stores it
   * (not its float16 copy), computed on the host.
   */
  public NDArray forSaving(String name, Checkpoint source) {
    if (!settings.memory().adapters()) {
      NDArray master = parameters.masters().get(name);
      NDArray copy = master.toDevice(Device.cpu(), true);
      copy.detach();
      return copy;
    }
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> masters = parameters.masters();
      NDArray weight = source.load(name, scope, DataType.FLOAT32); // [out, in]
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
    model.detachAdapters();
  }
}
