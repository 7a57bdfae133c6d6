package org.beear.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** CUDA when present and asked for, CPU otherwise. */
public final class Devices {
  private Devices() {}

  public static Device pick(String choice) {
    return switch (choice) {
      case "cpu" -> Device.cpu();
      case "gpu" -> {
        if (Engine.getInstance().getGpuCount() == 0) {
          throw new IllegalArgumentException("device gpu requested but no CUDA device is visible");
        }
        yield Device.gpu();
      }
      default -> Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    };
  }
}
