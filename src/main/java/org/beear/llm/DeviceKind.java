package org.beear.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import java.util.Locale;

/** Where a model runs: the CPU or the first CUDA device. The one place that asks whether CUDA is there. */
public enum DeviceKind {
  CPU, CUDA;

  /** "cpu" or "cuda", as options and plans write it. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public Device device() {
    return this == CUDA ? Device.gpu() : Device.cpu();
  }

  /** "cpu" or "cuda". */
  public static DeviceKind of(String wireName) {
    return switch (wireName) {
      case "cpu" -> CPU;
      case "cuda" -> CUDA;
      default -> throw new IllegalArgumentException("device must be cpu or cuda, got '" + wireName + "'");
    };
  }

  /**
   * The device a request names ("auto", "cpu", "cuda" or "gpu"; null: auto) given whether CUDA is there: auto takes
   * CUDA when it is. For planning a device this machine may not have.
   */
  public static DeviceKind requested(String asked, boolean cudaVisible) {
    return switch (asked == null ? "auto" : asked) {
      case "cpu" -> CPU;
      case "cuda", "gpu" -> CUDA;
      default -> cudaVisible ? CUDA : CPU;
    };
  }

  /** As {@link #requested}, on this machine: CUDA asked for but not visible is an error. */
  public static DeviceKind choose(String asked) {
    boolean cuda = cudaVisible();
    DeviceKind kind = requested(asked, cuda);
    if (kind == CUDA && !cuda) {
      throw new IllegalArgumentException("device cuda requested but no CUDA device is visible");
    }
    return kind;
  }

  /** Whether PyTorch sees a CUDA device. */
  public static boolean cudaVisible() {
    return Engine.getInstance().getGpuCount() > 0;
  }

  /** The memory of this CUDA device, in bytes. */
  public long memoryBytes() {
    if (this != CUDA) {
      throw new IllegalStateException("only a CUDA device's memory is read here");
    }
    return CudaUtils.getGpuMemory(Device.gpu()).getMax();
  }
}
