package org.beear.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The device a cleanse runs on and how much memory it has for it.
 *
 * @param kind        cpu or cuda
 * @param memoryBytes what the cleanse may use: a GPU's memory, or the machine's RAM for cpu
 */
public record DeviceSpec(String kind, long memoryBytes) {
  private static final Pattern SIZE = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?\\s*");

  public DeviceSpec {
    if (!kind.equals("cpu") && !kind.equals("cuda")) {
      throw new IllegalArgumentException("device must be cpu or cuda, got '" + kind + "'");
    }
    if (memoryBytes <= 0) {
      throw new IllegalArgumentException("device memory must be positive");
    }
  }

  /** This machine's RAM (MemTotal), for a cpu plan with no memory given; empty where /proc is missing. */
  public static java.util.OptionalLong machineMemory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return java.util.OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: the caller must say how much memory there is
    }
    return java.util.OptionalLong.empty();
  }

  /** "80GiB", "80GB" (both 2^30-based here, as GPU memory is quoted), "81920MiB", "1e9" bytes. */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a memory size: '" + text + "' (e.g. 80GiB, 24GB, 81920MiB)");
    }
    double value = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    double scale = switch (unit) {
      case "b" -> 1;
      case "kb", "kib" -> 1L << 10;
      case "mb", "mib" -> 1L << 20;
      case "gb", "gib" -> 1L << 30;
      default -> 1L << 40;
    };
    double bytes = value * scale;
    if (!(bytes >= 1 && bytes < Long.MAX_VALUE)) {
      throw new IllegalArgumentException("memory size out of range: '" + text + "'");
    }
    return (long) bytes;
  }

  /** Bytes as GiB with two decimals. */
  public static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }
}
