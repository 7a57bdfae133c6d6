package org.beear.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** CUDA when present and asked for, CPU otherwise. */
public final class Devices {
  private Devices() {}

  /** Whether PyTorch sees a CUDA device: the one place this is asked. */
  public static boolean cudaVisible() {
    return Engine.getInstance().getGpuCount() > 0;
  }

  public static Device pick(String choice) {
    return switch (choice) {
      case "cpu" -> Device.cpu();
      case "gpu" -> {
        if (!cudaVisible()) {
          throw new IllegalArgumentException("device gpu requested but no CUDA device is visible");
        }
        yield Device.gpu();
      }
      default -> cudaVisible() ? Device.gpu() : Device.cpu();
    };
  }
}
