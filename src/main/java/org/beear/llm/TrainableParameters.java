package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters one training run updates, in mixed precision when the model computes in float16: each has a
 * working copy in the model's dtype, through which the forward pass runs and into which autograd writes the
 * gradient, and a float32 master that the optimiser updates and copies back (Micikevicius et al. 2018). In float32
 * the master is the working copy itself.
 *
 * <p>Dynamic loss scaling keeps small float16 gradients from flushing to zero: callers multiply the loss by
 * {@link #lossScale()} before back-propagating; {@link #step} divides it out in float32. A step whose gradients
 * hold an inf or NaN is skipped (weights and optimiser state untouched, gradients zeroed) and the scale halved;
 * after {@code growthInterval} clean steps in a row it is doubled again. In float32 the scale stays 1, and a
 * non-finite step is still skipped rather than written into the weights.
 */
public final class TrainableParameters implements AutoCloseable {
  /** PyTorch's GradScaler starts at 2^16 and halves on overflow. */
  public static final double INITIAL_LOSS_SCALE = 65536;
  /** Clean steps before the scale is doubled: a cleanse takes a few hundred steps, so less than GradScaler's 2000. */
  public static final int DEFAULT_GROWTH_INTERVAL = 100;

  /** What one step did. */
  public record Step(boolean applied, double gradientNorm, double lossScale) {}

  /**
   * Dynamic loss scaling's state, for an epoch checkpoint: the scale, the clean steps since it last changed (when it
   * is next doubled depends on them) and the steps skipped so far.
   */
  public record ScaleState(double scale, int cleanSteps, int skipped) {}

  private record Parameter(String name, NDArray working, NDArray master) {}

  private final NDManager manager;
  private final List<Parameter> parameters = new ArrayList<>();
  private final boolean scaled;
  private final int growthInterval;
  private double scale;
  private int cleanSteps;
  private int skipped;
  private NDArray scaleArray;

  /**
   * @param working the arrays the model computes with, by name; their gradients are what {@link #step} reads
   * @param manager owns the masters and the scale constant
   */
  public TrainableParameters(Map<String, NDArray> working, NDManager manager, int growthInterval) {
    this.manager = manager;
    this.growthInterval = growthInterval;
    boolean half = false;
    for (Map.Entry<String, NDArray> e : working.entrySet()) {
      NDArray w = e.getValue();
      boolean narrow = w.getDataType() == DataType.FLOAT16;
      half |= narrow;
      NDArray master = narrow ? w.toType(DataType.FLOAT32, false) : w;
      if (narrow) {
        master.attach(manager);
      }
      parameters.add(new Parameter(e.getKey(), w, master));
    }
    this.scaled = half;
    this.scale = half ? INITIAL_LOSS_SCALE : 1;
    this.scaleArray = manager.full(new Shape(), (float) scale, DataType.FLOAT32);
  }

  public TrainableParameters(Map<String, NDArray> working, NDManager manager) {
    this(working, manager, DEFAULT_GROWTH_INTERVAL);
  }

  /** 0-d float32: multiply the loss by it before back-propagating. */
  public NDArray lossScale() {
    return scaleArray;
  }

  public double lossScaleValue() {
    return scale;
  }

  /** Steps skipped so far for non-finite gradients. */
  public int skippedSteps() {
    return skipped;
  }

  public ScaleState scaleState() {
    return new ScaleState(scale, cleanSteps, skipped);
  }

  /** Continues from a checkpoint's {@link #scaleState()}. */
  public void restoreScaleState(ScaleState saved) {
    cleanSteps = saved.cleanSteps();
    skipped = saved.skipped();
    setScale(saved.scale());
  }

  /** The float32 masters by name (the working copies themselves in float32). */
  public Map<String, NDArray> masters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    parameters.forEach(p -> out.put(p.name(), p.master()));
    return Collections.unmodifiableMap(out);
  }

  public List<String> names() {
    return parameters.stream().map(Parameter::name).toList();
  }

  /** Switches gradient recording of the working copies on (before a backward pass) or off. */
  public void recordGradients(boolean on) {
    parameters.forEach(p -> p.working().setRequiresGradient(on));
  }

  /** Copies masters into the working copies, e.g. after the masters were restored from a checkpoint. */
  public void syncWorking() {
    GradMode.off();
    for (Parameter p : parameters) {
      if (p.master() != p.working()) {
        p.working().set(new NDIndex("..."), p.master());
      }
    }
  }

  /**
   * Unscales and clips the accumulated gradients (global L2 norm at most {@code optimizer.maxGradNorm()}), lets the
   * optimiser update the masters, copies them to the working copies and zeroes the gradients; or, if any gradient
   * is not finite, only zeroes them and lowers the loss scale.
   */
  public Step step(Optimizer optimizer) {
    GradMode.off();
    double sumSquares = 0;
    for (Parameter p : parameters) {
      try (NDManager scope = manager.newSubManager()) {
        NDArray g = float32Gradient(p, scope);
        try (NDArray squared = g.square()) {
          sumSquares += Ops.value(squared.sum());
        }
      }
    }
    double norm = Math.sqrt(sumSquares) / scale;
    if (!Double.isFinite(norm)) {
      zeroGradients();
      skipped++;
      cleanSteps = 0;
      double before = scale;
      if (scaled) {
        setScale(Math.max(1, scale / 2));
      }
      return new Step(false, Double.NaN, before);
    }
    double factor = Math.min(1, optimizer.maxGradNorm() / norm) / scale;
    for (Parameter p : parameters) {
      try (NDManager scope = manager.newSubManager()) {
        NDArray g = float32Gradient(p, scope);
        if (factor != 1) {
          NDArray c = Optimizer.constant(scope, factor);
          // a widened gradient is our own copy, scaled in place; a float32 one is the parameter's, left as it is
          g = p.working().getDataType() == DataType.FLOAT16 ? g.muli(c) : g.mul(c);
        }
        scope.tempAttachAll(p.master());
        optimizer.update(p.name(), p.master(), g, scope);
        if (p.master() != p.working()) {
          p.working().set(new NDIndex("..."), p.master());
        }
      }
      JniUtils.zeroGrad((PtNDArray) p.working());
    }
    double used = scale;
    if (scaled && ++cleanSteps >= growthInterval) {
      cleanSteps = 0;
      setScale(scale * 2);
    }
    return new Step(true, norm, used);
  }

  private static NDArray float32Gradient(Parameter p, NDManager scope) {
    NDArray g = p.working().getGradient();
    g.attach(scope);
    if (g.getDataType() != DataType.FLOAT16) {
      return g;
    }
    NDArray wide = g.toType(DataType.FLOAT32, false);
    wide.attach(scope);
    return wide;
  }

  private void zeroGradients() {
    parameters.forEach(p -> JniUtils.zeroGrad((PtNDArray) p.working()));
  }

  private void setScale(double value) {
    scale = value;
    scaleArray.close();
    scaleArray = manager.full(new Shape(), (float) value, DataType.FLOAT32);
  }

  /** Frees the masters of half-precision parameters. */
  @Override
  public void close() {
    for (Parameter p : parameters) {
      if (p.master() != p.working()) {
        p.master().close();
      }
    }
    scaleArray.close();
  }
}
