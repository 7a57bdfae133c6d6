package org.beear.llm.weights;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The floating point element types a Llama-family checkpoint is stored in, named as safetensors names them. */
public enum TensorDType {
  F32(4, DataType.FLOAT32),
  F16(2, DataType.FLOAT16),
  BF16(2, DataType.BFLOAT16);

  private final int bytes;
  private final DataType djl;

  TensorDType(int bytes, DataType djl) {
    this.bytes = bytes;
    this.djl = djl;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /**
   * The DJL type with the same bit layout. Careful with BF16: DJL 0.35.1's PyTorch binding aborts the JVM on
   * any BFLOAT16 array (creation or conversion), so never create arrays of {@code BF16.djl()}; load BF16
   * tensors as FLOAT32 (or FLOAT16) and let {@link CheckpointWriter} narrow them back on save.
   */
  public DataType djl() {
    return djl;
  }

  /** The name used in a safetensors header ("F32", "F16", "BF16"). */
  public String safetensorsName() {
    return name();
  }

  /**
   * Parses a safetensors dtype name.
   *
   * @throws IllegalArgumentException for any other dtype (integer, F64, FP8...), naming the supported ones
   */
  public static TensorDType parse(String safetensorsName) {
    for (TensorDType t : values()) {
      if (t.name().equals(safetensorsName)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unsupported dtype \"" + safetensorsName + "\" (supported: " + supportedNames() + ")");
  }

  /** The type matching a DJL data type, or an IllegalArgumentException for non-float16/32 types. */
  public static TensorDType fromDjl(DataType type) {
    for (TensorDType t : values()) {
      if (t.djl == type) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "no safetensors dtype for DJL type " + type + " (supported: " + supportedNames() + ")");
  }

  private static String supportedNames() {
    return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
  }
}
