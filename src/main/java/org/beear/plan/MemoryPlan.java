package org.beear.plan;

import java.util.List;
import java.util.Locale;

/**
 * How much memory a cleanse needs on a device, part by part, and whether it fits.
 *
 * @param parts         what is held, each in bytes (a part may be held only in some phases)
 * @param phases        the bytes held at the peak of each phase of a cleanse
 * @param peakBytes     the largest phase
 * @param runtimeBytes  what the runtime takes besides tensors (CUDA context and workspaces; the JVM and native
 *                      libraries on a cpu), stated rather than measured
 * @param marginBytes   headroom for allocator fragmentation and caching, {@value #MARGIN_PERCENT}% of the peak
 * @param requiredBytes peak + runtime + margin
 */
public record MemoryPlan(
    DeviceSpec device,
    Workload workload,
    long parameters,
    long trainedParameters,
    List<Part> parts,
    List<Phase> phases,
    long peakBytes,
    long runtimeBytes,
    long marginBytes,
    long requiredBytes,
    boolean fits) {

  public static final int MARGIN_PERCENT = 10;

  /** @param note how the figure is made up */
  public record Part(String name, long bytes, String note) {}

  /** @param parts the parts held at this phase's peak */
  public record Phase(String name, long bytes, List<String> parts) {}

  public long part(String name) {
    return parts.stream().filter(p -> p.name().equals(name)).mapToLong(Part::bytes).findFirst().orElse(0);
  }

  /** One line: fits or not, how much is needed of how much. */
  public String verdict() {
    return String.format(Locale.ROOT, "%s: needs %s of %s on %s (peak %s in %s, runtime %s, margin %s)",
        fits ? "fits" : "does not fit", DeviceSpec.gib(requiredBytes), DeviceSpec.gib(device.memoryBytes()),
        device.kind(), DeviceSpec.gib(peakBytes), peakPhase(), DeviceSpec.gib(runtimeBytes),
        DeviceSpec.gib(marginBytes));
  }

  /** The phase whose peak is the plan's peak. */
  public String peakPhase() {
    return phases.stream().filter(p -> p.bytes() == peakBytes).map(Phase::name).findFirst().orElse("?");
  }

  /** A table for a terminal. */
  public String toText() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%,d parameters (%,d trained), %s on %s%n", parameters, trainedParameters,
        workload.computeDtype(), device.kind()));
    for (Part p : parts) {
      s.append(String.format(Locale.ROOT, "  %-24s %12s  %s%n", p.name(), DeviceSpec.gib(p.bytes()), p.note()));
    }
    s.append("phases:\n");
    for (Phase p : phases) {
      s.append(String.format(Locale.ROOT, "  %-24s %12s  %s%n", p.name(), DeviceSpec.gib(p.bytes()),
          String.join(" + ", p.parts())));
    }
    s.append(String.format(Locale.ROOT, "  %-24s %12s  %s%n", "runtime", DeviceSpec.gib(runtimeBytes),
        device.kind().equals("cuda") ? "CUDA context, cuBLAS workspaces" : "JVM, native libraries, tokenizer"));
    s.append(String.format(Locale.ROOT, "  %-24s %12s  %d%% of the peak%n", "margin", DeviceSpec.gib(marginBytes),
        MARGIN_PERCENT));
    s.append(verdict()).append('\n');
    return s.toString();
  }
}
