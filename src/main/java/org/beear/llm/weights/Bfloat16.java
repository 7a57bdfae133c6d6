package org.beear.llm.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/**
 * BF16 <-> F32 in Java. DJL 0.35.1's PyTorch binding has no BFLOAT16 mapping: creating or converting to a
 * BFLOAT16 array aborts the JVM ("terminate called without an active exception"). So BF16 never reaches
 * PyTorch; it is widened to F32 on load and narrowed from F32 on save, with PyTorch's exact rules.
 */
final class Bfloat16 {

  /** PyTorch's canonical NaN for BF16 (c10::BFloat16 round_to_nearest_even). */
  static final short NAN = 0x7FC0;

  private Bfloat16() {}

  /** Exact: a BF16 value is the top half of the F32 with the same bits. */
  static float toFloat(short bf16) {
    return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
  }

  /** Round-to-nearest-even, NaN -> 0x7FC0, exactly as c10::BFloat16's conversion from float. */
  static short fromFloat(float value) {
    if (Float.isNaN(value)) {
      return NAN;
    }
    int bits = Float.floatToRawIntBits(value);
    int roundingBias = ((bits >>> 16) & 1) + 0x7FFF;
    return (short) ((bits + roundingBias) >>> 16);
  }

  /**
   * Widens all little-endian BF16 values remaining in {@code source} into F32 bit patterns in
   * {@code target} (native order, which is little-endian here), from their current positions.
   */
  static void widen(ByteBuffer source, ByteBuffer target) {
    ShortBuffer in = source.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    IntBuffer out = target.duplicate().order(ByteOrder.nativeOrder()).asIntBuffer();
    int n = in.remaining();
    if (out.remaining() < n) {
      throw new IllegalArgumentException("target holds " + out.remaining() + " floats, need " + n);
    }
    for (int i = 0; i < n; i++) {
      out.put(i, (in.get(i) & 0xFFFF) << 16);
    }
  }

  /**
   * Narrows {@code count} native-order floats from {@code source} (starting at its position) to
   * little-endian BF16 in {@code target} (starting at index 0), which must hold {@code 2 * count} bytes.
   */
  static void narrow(ByteBuffer source, int count, ByteBuffer target) {
    java.nio.FloatBuffer in = source.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    ShortBuffer out = target.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    for (int i = 0; i < count; i++) {
      out.put(i, fromFloat(in.get(i)));
    }
  }
}
