package org.beear.job;

import org.beear.app.BeearProperties;
import org.beear.beear.CleanseEngine;
import org.beear.beear.settings.BeearOptions;
import org.beear.plan.DeviceSpec;
import org.springframework.stereotype.Component;

/**
 * The device the workers run a job on and the memory it has, from {@code beear.worker.device} and
 * {@code beear.worker.device-memory}, detected on this machine where they leave it open. Submissions are planned
 * against it, and the worker hands it to the engine, which plans again before loading.
 */
@Component
public class WorkerDevices {
  private final BeearProperties.Worker worker;
  private final CleanseEngine engine;

  public WorkerDevices(BeearProperties properties, CleanseEngine engine) {
    this.worker = properties.worker();
    this.engine = engine;
  }

  /**
   * The device {@code options} run on here.
   *
   * @throws IllegalArgumentException when the options ask for a device the workers do not have
   */
  public DeviceSpec forOptions(BeearOptions options) {
    String given = options.get(BeearOptions.DEVICE);
    String asked = given == null ? "auto" : given.equals("gpu") ? "cuda" : given;
    String configured = worker.device();
    if (!configured.equals("auto") && !asked.equals("auto") && !asked.equals(configured)) {
      throw new IllegalArgumentException("device " + asked + " asked for, but the workers run on " + configured);
    }
    if (worker.deviceMemory() == null) {
      BeearOptions o = configured.equals("auto") ? options : options.with(BeearOptions.DEVICE, configured);
      return engine.localDevice(o);
    }
    String kind = !configured.equals("auto") ? configured : asked.equals("auto") ? "cpu" : asked;
    return new DeviceSpec(kind, worker.deviceMemory().toBytes());
  }
}
