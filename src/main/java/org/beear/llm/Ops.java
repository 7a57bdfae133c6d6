package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import java.util.HashMap;
import java.util.Map;

/**
 * Tensor building blocks shared by the decoder, the loss and the optimisers.
 *
 * <p>Every scalar that enters a differentiable expression comes from {@link Scalars}: tensors created natively
 * and kept for the model's lifetime. DJL's {@code Number} overloads wrap a Java buffer that is freed while
 * autograd still holds it (djl-notes, trap 1), so they are not used anywhere in this package.
 */
public final class Ops {
  private Ops() {}

  /** Native 0-d float32 constants, one per value, owned by a long-lived manager. */
  public static final class Scalars {
    private final NDManager manager;
    private final Map<Float, NDArray> cache = new HashMap<>();

    public Scalars(NDManager manager) {
      this.manager = manager;
    }

    public synchronized NDArray of(double value) {
      return cache.computeIfAbsent((float) value, v -> manager.full(new Shape(), v, DataType.FLOAT32));
    }
  }

  /** y = x·Wᵀ (+ b), W in HF's [out, in] layout. */
  public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return bias == null
        ? Linear.linear(x, weight).singletonOrThrow()
        : Linear.linear(x, weight, bias).singletonOrThrow();
  }

  /** RMSNorm as transformers computes it: in float32, y = w · x / sqrt(mean(x²) + ε), cast back before w. */
  public static NDArray rmsNorm(NDArray x, NDArray weight, NDArray eps) {
    DataType type = x.getDataType();
    NDArray x32 = atLeastFloat32(x);
    NDArray meanSquare = x32.square().mean(new int[] {-1}, true);
    NDArray normed = x32.div(meanSquare.add(eps).sqrt());
    return cast(normed, type).mul(weight);
  }

  /** Half-precision arrays in float32; float32 and float64 as they are. Autograd sees through it. */
  public static NDArray atLeastFloat32(NDArray x) {
    DataType t = x.getDataType();
    return t == DataType.FLOAT16 || t == DataType.BFLOAT16 ? cast(x, DataType.FLOAT32) : x;
  }

  /**
   * {@code x} in {@code type}, differentiable. DJL's {@code toType} runs under PyTorch's no-grad guard, so a graph
   * that goes through it loses every gradient upstream of the cast (measured: float16 training had none). With
   * autograd recording, a widening cast is an addition of a one-element zero of the wider type (type promotion),
   * and a narrowing one is a copy into a fresh array of the narrow type (PyTorch's {@code copy_}, which
   * autograd tracks); without recording it is the plain conversion.
   */
  public static NDArray cast(NDArray x, DataType type) {
    if (x.getDataType() == type) {
      return x;
    }
    if (!JniUtils.isGradMode()) {
      return x.toType(type, false);
    }
    if (type.getNumOfBytes() > x.getDataType().getNumOfBytes()) {
      try (NDArray zero = x.getManager().zeros(new Shape(1), type)) {
        return x.add(zero);
      }
    }
    NDArray out = x.getManager().create(x.getShape(), type);
    out.set(new NDIndex("..."), x);
    return out;
  }

  /** SiLU(x) = x · σ(x). */
  public static NDArray silu(NDArray x) {
    return x.mul(ai.djl.nn.Activation.sigmoid(x));
  }

  /** A 0-d array's value, whatever its floating dtype. */
  public static double value(NDArray scalar) {
    return scalar.getDataType() == DataType.FLOAT64 ? scalar.getDouble()
        : scalar.toType(DataType.FLOAT32, false).getFloat();
  }

  /** An array's values as doubles, whatever its floating dtype. */
  public static double[] values(NDArray x) {
    return x.getDataType() == DataType.FLOAT64 ? x.toDoubleArray()
        : x.toType(DataType.FLOAT64, false).toDoubleArray();
  }

  /** A copy owned by PyTorch, for arrays built from Java data that autograd may keep for backward. */
  public static NDArray nativeCopy(NDArray fromJava) {
    NDArray copy = fromJava.duplicate();
    fromJava.close();
    return copy;
  }
}
