package org.beear.llm;

import ai.djl.ndarray.NDArray;

/**
 * A LoRA update of one projection (Hu et al. 2021): W' = W + s·B·A with A [r, in], B [out, r] and s = α/r. B starts
 * at zero, so attaching an adapter leaves the model's function unchanged until it trains. Tensor names follow PEFT's
 * ({@code <module>.lora_A.weight}).
 *
 * @param weightName the adapted weight, e.g. {@code model.layers.3.self_attn.q_proj.weight}
 * @param scale      s as a native 0-d constant
 */
public record LowRankAdapter(String weightName, NDArray a, NDArray b, NDArray scale) {

  /** x·Aᵀ·Bᵀ·s: [..., in] → [..., out]. */
  public NDArray apply(NDArray x) {
    return Ops.linear(Ops.linear(x, a, null), b, null).mul(scale);
  }

  public int rank() {
    return (int) a.getShape().get(0);
  }

  /** The name of A or B: the adapted module's name plus {@code .lora_A.weight} / {@code .lora_B.weight}. */
  public static String tensorName(String weightName, char which) {
    String module = weightName.endsWith(".weight") ? weightName.substring(0, weightName.length() - 7) : weightName;
    return module + ".lora_" + which + ".weight";
  }
}
