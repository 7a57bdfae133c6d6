package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their accumulated gradients, then zeroes the gradients. Call after the gradient
 * collector is closed (updates are in place and must stay out of the autograd graph).
 */
public abstract class Optimizer {
  protected final NDManager manager;
  protected final Ops.Scalars scalars;
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

  /** A per-step constant, freed with the step. */
  protected static NDArray constant(NDManager step, double value) {
    return step.full(new ai.djl.ndarray.types.Shape(), (float) value);
  }

  /** Clips the global L2 norm of all gradients of a step to at most {@code norm}. */
  public Optimizer withGradientClipping(double norm) {
    this.maxGradNorm = norm;
    return this;
  }

  public static Optimizer create(String kind, NDManager manager, double learningRate, double weightDecay) {
    return switch (kind) {
      case "adamw" -> new AdamW(manager, learningRate, 0.9, 0.999, 1e-8, weightDecay);
      case "sgd" -> new Sgd(manager, learningRate);
      default -> throw new IllegalArgumentException("unknown optimizer '" + kind + "': expected adamw or sgd");
    };
  }

  /**
   * One update of the named parameters.
   *
   * @return the global gradient norm before clipping
   */
  public double step(Map<String, NDArray> parameters) {
    GradMode.off(); // in-place updates of leaves are only legal outside autograd
    try (NDManager step = manager.newSubManager()) {
      Map<String, NDArray> grads = new HashMap<>();
      double sumSquares = 0;
      for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
        NDArray g = e.getValue().getGradient();
        g.attach(step);
        grads.put(e.getKey(), g);
        sumSquares += g.square().sum().getFloat();
      }
      double norm = Math.sqrt(sumSquares);
      NDArray clip = norm > maxGradNorm ? constant(step, maxGradNorm / norm) : null;
      for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
        NDArray p = e.getValue();
        step.tempAttachAll(p);
        NDArray g = grads.get(e.getKey());
        update(e.getKey(), p, clip == null ? g : g.mul(clip), step);
        JniUtils.zeroGrad((PtNDArray) p);
      }
      return norm;
    }
  }

  /** Zeroes the gradients of parameters without updating them (e.g. after an aborted step). */
  public static void zeroGradients(List<NDArray> parameters) {
    for (NDArray p : parameters) {
      if (p.hasGradient()) {
        JniUtils.zeroGrad((PtNDArray) p);
      }
    }
  }

  /** Applies one update in place; temporaries belong to {@code step}. */
  protected abstract void update(String name, NDArray param, NDArray grad, NDManager step);

  /** θ ← θ − η·g. */
  public static final class Sgd extends Optimizer {
    public Sgd(NDManager manager, double learningRate) {
      super(manager, learningRate);
    }

    @Override
    protected void update(String name, NDArray param, NDArray grad, NDManager step) {
      param.subi(grad.mul(constant(step, learningRate)));
    }
  }

  /** AdamW (Loshchilov and Hutter): m, v moments with bias correction, decoupled weight decay. */
  public static final class AdamW extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final Map<String, NDArray[]> moments = new HashMap<>();
    private final Map<String, Integer> steps = new HashMap<>();

    public AdamW(NDManager manager, double learningRate, double beta1, double beta2, double epsilon,
        double weightDecay) {
      super(manager, learningRate);
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.epsilon = epsilon;
      this.weightDecay = weightDecay;
    }

    @Override
    protected void update(String name, NDArray param, NDArray grad, NDManager step) {
      NDArray[] mv = moments.computeIfAbsent(name, n -> new NDArray[] {
          manager.zeros(param.getShape(), param.getDataType(), param.getDevice()),
          manager.zeros(param.getShape(), param.getDataType(), param.getDevice())});
      int t = steps.merge(name, 1, Integer::sum);
      NDArray m = mv[0];
      NDArray v = mv[1];
      step.tempAttachAll(m, v);
      m.muli(scalars.of(beta1)).addi(grad.mul(scalars.of(1 - beta1)));
      v.muli(scalars.of(beta2)).addi(grad.square().mul(scalars.of(1 - beta2)));
      double correction1 = 1 - Math.pow(beta1, t);
      double correction2 = 1 - Math.pow(beta2, t);
      // θ ← θ − η·(m̂ / (sqrt(v̂) + ε) + λθ)
      NDArray mHat = m.mul(constant(step, 1 / correction1));
      NDArray vHat = v.mul(constant(step, 1 / correction2));
      NDArray direction = mHat.div(vHat.sqrt().add(scalars.of(epsilon)));
      if (weightDecay > 0) {
        direction = direction.add(param.mul(scalars.of(weightDecay)));
      }
      param.subi(direction.mul(constant(step, learningRate)));
    }
  }
}
