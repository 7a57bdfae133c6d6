package org.beear.llm.weights;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives: its file and the absolute byte range of its data there.
 *
 * @param dataStart absolute offset of the first data byte in {@code file} (header included)
 * @param byteLength number of data bytes, always {@code elementCount() * dtype.bytes()}
 */
public record TensorInfo(
    String name, TensorDType dtype, long[] shape, Path file, long dataStart, long byteLength) {

  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(file, "file");
    shape = shape.clone();
  }

  /** A copy of the shape: the record stays immutable. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Product of the dimensions (1 for a scalar); overflow is rejected when the header is parsed. */
  public long elementCount() {
    return elementCount(shape);
  }

  static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && file.equals(t.file)
        && dataStart == t.dataStart
        && byteLength == t.byteLength;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), file, dataStart, byteLength);
  }

  @Override
  public String toString() {
    return "TensorInfo[" + name + " " + dtype + Arrays.toString(shape) + " in " + file.getFileName()
        + " @" + dataStart + "+" + byteLength + "]";
  }
}
