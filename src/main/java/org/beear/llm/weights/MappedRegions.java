package org.beear.llm.weights;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Read-only memory maps of file regions, released as soon as their bytes have been copied.
 *
 * <p>Java 17 has no public unmap: a mapping normally lives until the garbage collector finds its buffer, so
 * loading a 15 GB checkpoint would keep up to 15 GB of file pages mapped (and counted in RSS) for a while.
 * {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported, the route Lucene used before Java 19)
 * unmaps at once; where it is unavailable we fall back to the collector.
 */
final class MappedRegions {

  private static final Object UNSAFE;
  private static final Method INVOKE_CLEANER;

  static {
    Object unsafe = null;
    Method invokeCleaner = null;
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      unsafe = theUnsafe.get(null);
      invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      unsafe = null;
      invokeCleaner = null;
    }
    UNSAFE = unsafe;
    INVOKE_CLEANER = invokeCleaner;
  }

  private MappedRegions() {}

  /** Maps {@code length} bytes at absolute {@code position}; one map call is limited to 2 GiB - 1. */
  static MappedByteBuffer map(FileChannel channel, long position, long length) throws IOException {
    return channel.map(FileChannel.MapMode.READ_ONLY, position, length);
  }

  /**
   * Unmaps now. The caller guarantees nothing (no NDArray view in particular) still points into the region:
   * touching it afterwards would crash the JVM.
   */
  static void unmap(MappedByteBuffer buffer) {
    if (INVOKE_CLEANER == null || buffer == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invoke(UNSAFE, buffer);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // The collector will unmap it instead; nothing is lost but timeliness.
    }
  }
}
