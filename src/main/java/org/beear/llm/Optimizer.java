package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Updates float32 parameters in place from float32 gradients. Every parameter's update runs in a scope of its own,
 * so the temporaries of one update (squared gradient, moments' updates, the direction) are freed before the next
 * begins: the step's transient memory is a few copies of the largest parameter, not of all of them (measured
 * before: a 551M-parameter model went out of memory at more than 44 bytes per parameter).
 */
public abstract class Optimizer {
  /** The optimisers a cleanse can use; {@link #stateFloatsPerParameter} is what the memory planner counts. */
  public enum Kind {
    /** AdamW: two float32 moments per parameter. */
    ADAMW,
    /** Adafactor without momentum: factored second moments, rows + columns per matrix. */
    ADAFACTOR,
    /** Plain SGD: no state. */
    SGD;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind parse(String s) {
      for (Kind k : values()) {
        if (k.wireName().equals(s)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown optimizer '" + s + "': expected adamw, adafactor or sgd");
    }

    /** float32 values of optimiser state kept for a parameter of this shape. */
    public long stateFloats(long[] shape) {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return switch (this) {
        case ADAMW -> 2 * n;
        case SGD -> 0;
        case ADAFACTOR -> shape.length == 2 ? shape[0] + shape[1] : n;
      };
    }
  }

  /**
   * What an optimiser carries from one step to the next, for an epoch checkpoint: its arrays by
   * {@code <parameter>#<slot>} (AdamW: m, v; Adafactor: the row and column, or full, second moments) and each
   * parameter's step count (bias correction and Adafactor's decay depend on it).
   */
  public record State(Map<String, NDArray> arrays, Map<String, Integer> steps) {}

  protected final NDManager manager;
  protected final Ops.Scalars scalars;
  /** Per parameter, the arrays kept across steps (created at its first update, in this optimiser's manager). */
  protected final Map<String, NDArray[]> slots = new HashMap<>();
  /** Per parameter, the steps taken. */
  protected final Map<String, Integer> steps = new HashMap<>();
  private double maxGradNorm = Double.POSITIVE_INFINITY;
  protected double learningRate;

  protected Optimizer(NDManager manager, double learningRate) {
    this.manager = manager;
    this.scalars = new Ops.Scalars(manager);
    this.learningRate = learningRate;
  }

  /** For schedules: the rate used from the next step on. */
  public void setLearningRate(double learningRate) {
    this.learningRate = learningRate;
  }

  public double learningRate() {
    return learningRate;
  }

  private final Map<String, Double> rateScales = new HashMap<>();

  /**
   * Multiplies the learning rate of the named parameters, e.g. by 1/fan-in for wide matrices (µP's rule for Adam,
   * Yang et al. 2022): their update is then the same size relative to what they feed whatever the model's width.
   */
  public Optimizer withRateScales(Map<String, Double> scales) {
    rateScales.putAll(scales);
    return this;
  }

  /** The learning rate of one parameter. */
  protected double rate(String name) {
    return learningRate * rateScales.getOrDefault(name, 1.0);
  }

  /** The state kept across steps, by name (sorted, so a checkpoint of it is the same file every time). */
  public State state() {
    Map<String, NDArray> arrays = new TreeMap<>();
    slots.forEach((name, s) -> {
      for (int i = 0; i < s.length; i++) {
        arrays.put(name + "#" + i, s[i]);
      }
    });
    return new State(arrays, new TreeMap<>(steps));
  }

  /**
   * Replaces the state with copies of {@code saved}'s arrays (any manager or device), so the next step continues
   * exactly where the optimiser that saved them left off.
   */
  public void restore(State saved) {
    Map<String, NDArray[]> restored = new HashMap<>();
    for (Map.Entry<String, NDArray> e : saved.arrays().entrySet()) {
      int hash = e.getKey().lastIndexOf('#');
      String name = hash < 0 ? null : e.getKey().substring(0, hash);
      int slot = hash < 0 ? -1 : Integer.parseInt(e.getKey().substring(hash + 1));
      if (name == null || !saved.steps().containsKey(name)) {
        throw new IllegalArgumentException("optimizer state array '" + e.getKey() + "' has no step count");
      }
      NDArray[] arrays = restored.computeIfAbsent(name, n -> new NDArray[slotCount(saved.arrays(), n)]);
      // a copy in this optimiser's manager and on its device: the caller frees what it loaded
      NDArray copy = e.getValue().toDevice(manager.getDevice(), false).duplicate();
      copy.attach(manager);
      arrays[slot] = copy;
    }
    slots.values().forEach(s -> java.util.Arrays.stream(s).forEach(NDArray::close));
    slots.clear();
    slots.putAll(restored);
    steps.clear();
    steps.putAll(saved.steps());
  }

  private static int slotCount(Map<String, NDArray> arrays, String name) {
    return (int) arrays.keySet().stream().filter(k -> k.startsWith(name + "#") && k.indexOf('#', name.length() + 1) < 0)
        .count();
  }

  /** A per-step constant, freed with the step. */
  protected static NDArray constant(NDManager step, double value) {
    return step.full(new Shape(), (float) value);
  }

  /** Clips the global L2 norm of all gradients of a step to at most {@code norm}. */
  public Optimizer withGradientClipping(double norm) {
    this.maxGradNorm = norm;
    return this;
  }

  public double maxGradNorm() {
    return maxGradNorm;
  }

  public static Optimizer create(String kind, NDManager manager, double learningRate, double weightDecay) {
    return create(Kind.parse(kind), manager, learningRate, weightDecay);
  }

  public static Optimizer create(Kind kind, NDManager manager, double learningRate, double weightDecay) {
    return switch (kind) {
      case ADAMW -> new AdamW(manager, learningRate, 0.9, 0.999, 1e-8, weightDecay);
      case ADAFACTOR -> new Adafactor(manager, learningRate, weightDecay);
      case SGD -> new Sgd(manager, learningRate);
    };
  }

  /** Zeroes the gradients of parameters without updating them (e.g. after an aborted step). */
  public static void zeroGradients(List<NDArray> parameters) {
    for (NDArray p : parameters) {
      if (p.hasGradient()) {
        JniUtils.zeroGrad((PtNDArray) p);
      }
    }
  }

  /**
   * Applies one update to {@code param} in place; temporaries belong to {@code scope}, which is closed right after.
   * Both arrays are float32 (or float64 in tests); state kept across steps belongs to this optimiser's manager.
   */
  protected abstract void update(String name, NDArray param, NDArray grad, NDManager scope);

  /** θ ← θ − η·g. */
  public static final class Sgd extends Optimizer {
    public Sgd(NDManager manager, double learningRate) {
      super(manager, learningRate);
    }

    @Override
    protected void update(String name, NDArray param, NDArray grad, NDManager scope) {
      param.subi(grad.mul(constant(scope, rate(name))));
    }
  }

  /** AdamW (Loshchilov and Hutter): m, v moments with bias correction, decoupled weight decay. */
  public static final class AdamW extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;

    public AdamW(NDManager manager, double learningRate, double beta1, double beta2, double epsilon,
        double weightDecay) {
      super(manager, learningRate);
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.epsilon = epsilon;
      this.weightDecay = weightDecay;
    }

    @Override
    protected void update(String name, NDArray param, NDArray grad, NDManager scope) {
      NDArray[] mv = slots.computeIfAbsent(name, n -> new NDArray[] {
          manager.zeros(param.getShape(), param.getDataType(), param.getDevice()),
          manager.zeros(param.getShape(), param.getDataType(), param.getDevice())});
      int t = steps.merge(name, 1, Integer::sum);
      NDArray m = mv[0];
      NDArray v = mv[1];
      scope.tempAttachAll(m, v);
      // every temporary is closed as soon as it is used: at most two parameter-sized ones at a time
      try (NDArray part = grad.mul(scalars.of(1 - beta1))) {
        m.muli(scalars.of(beta1)).addi(part);
      }
      try (NDArray part = grad.square()) {
        part.muli(scalars.of(1 - beta2));
        v.muli(scalars.of(beta2)).addi(part);
      }
      double correction1 = 1 - Math.pow(beta1, t);
      double correction2 = 1 - Math.pow(beta2, t);
      // θ ← θ − η·(m̂ / (sqrt(v̂) + ε) + λθ)
      NDArray denominator;
      try (NDArray vHat = v.mul(constant(scope, 1 / correction2))) {
        denominator = vHat.sqrt();
      }
      denominator.addi(scalars.of(epsilon));
      NDArray direction = m.mul(constant(scope, 1 / correction1));
      direction.divi(denominator);
      denominator.close();
      if (weightDecay > 0) {
        try (NDArray decay = param.mul(scalars.of(weightDecay))) {
          direction.addi(decay);
        }
      }
      direction.muli(constant(scope, rate(name)));
      param.subi(direction);
      direction.close();
    }
  }

  /**
   * Adafactor (Shazeer and Stern 2018) without momentum, as transformers implements it with an explicit rate: the
   * second moment of a matrix is kept as its row and column means (R [rows], C [cols]) and rebuilt as R·Cᵀ/mean(R),
   * vectors keep a full one; decay β₂(t) = 1 − t^−0.8; the update is clipped to RMS 1. State per [m, n] matrix:
   * m + n floats instead of AdamW's 2·m·n.
   */
  public static final class Adafactor extends Optimizer {
    private static final double EPS = 1e-30;
    private static final double CLIP = 1.0;
    private final double weightDecay;

    public Adafactor(NDManager manager, double learningRate, double weightDecay) {
      super(manager, learningRate);
      this.weightDecay = weightDecay;
    }

    @Override
    protected void update(String name, NDArray param, NDArray grad, NDManager scope) {
      long[] shape = param.getShape().getShape();
      boolean factored = shape.length == 2;
      NDArray[] s = slots.computeIfAbsent(name, n -> factored
          ? new NDArray[] {manager.zeros(new Shape(shape[0]), param.getDataType(), param.getDevice()),
              manager.zeros(new Shape(shape[1]), param.getDataType(), param.getDevice())}
          : new NDArray[] {manager.zeros(param.getShape(), param.getDataType(), param.getDevice())});
      int t = steps.merge(name, 1, Integer::sum);
      double beta2 = 1 - Math.pow(t, -0.8);
      NDArray keep = constant(scope, beta2);
      NDArray take = constant(scope, 1 - beta2);
      scope.tempAttachAll(s);
      NDArray direction;
      try (NDArray squared = grad.square()) {
        squared.addi(constant(scope, EPS));
        if (factored) {
          NDArray rows = s[0];
          NDArray cols = s[1];
          rows.muli(keep).addi(squared.mean(new int[] {1}).mul(take));
          cols.muli(keep).addi(squared.mean(new int[] {0}).mul(take));
        } else {
          s[0].muli(keep).addi(squared.mul(take));
        }
      }
      if (factored) {
        NDArray rowFactor = s[0].div(s[0].mean()).sqrt().expandDims(1); // [m, 1]
        NDArray colFactor = s[1].sqrt().expandDims(0); // [1, n]
        direction = grad.div(rowFactor);
        direction.divi(colFactor);
      } else {
        direction = grad.div(s[0].sqrt());
      }
      double rms;
      try (NDArray squared = direction.square()) {
        rms = Math.sqrt(squared.mean().getFloat());
      }
      double scale = rate(name) / Math.max(1, rms / CLIP);
      if (weightDecay > 0) {
        try (NDArray decay = param.mul(constant(scope, weightDecay * rate(name)))) {
          param.subi(decay);
        }
      }
      direction.muli(constant(scope, scale));
      param.subi(direction);
      direction.close();
    }
  }
}
