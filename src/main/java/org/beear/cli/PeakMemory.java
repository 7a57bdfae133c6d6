package org.beear.cli;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peak memory a benchmark compares with the memory plan, from a baseline taken just before the model is made.
 * On the CPU it is the process's resident memory (the kernel's VmHWM, reset at the baseline); on CUDA it is the
 * device memory in use (total minus free, as {@code cudaMemGetInfo} reports it: PyTorch's reserved memory, the
 * CUDA context and anything else on the device), sampled by a thread every {@value #SAMPLE_MILLIS} ms and at every
 * {@link #peak()} call. PyTorch's caching allocator keeps what it reserved, so the sampled peak misses nothing that
 * is still reserved when it is read.
 */
abstract class PeakMemory implements AutoCloseable {
  static final long SAMPLE_MILLIS = 10;

  private long baseline;

  /** For {@code device}: resident memory on the CPU, device memory in use on a GPU. Takes the baseline. */
  static PeakMemory of(Device device) {
    PeakMemory m = device.isGpu() ? new CudaDevice(device) : new Resident();
    m.reset();
    return m;
  }

  /** What is measured, for a report. */
  abstract String what();

  /** Bytes in use now. */
  abstract long now();

  /** Starts over: the peak is forgotten and the baseline is what is in use now. */
  final void reset() {
    resetPeak();
    baseline = now();
  }

  abstract void resetPeak();

  /** The highest use since the last reset, in bytes. */
  abstract long peak();

  /** Use when the baseline was taken, in bytes. */
  final long baseline() {
    return baseline;
  }

  /** The peak above the baseline: what the plan's phases are compared with. */
  final long rise() {
    return peak() - baseline;
  }

  @Override
  public void close() {}

  /** The process's resident memory (Linux /proc). */
  static final class Resident extends PeakMemory {
    @Override
    String what() {
      return "resident memory of the process (VmRSS, peak VmHWM)";
    }

    @Override
    long now() {
      return kb("VmRSS") * 1024;
    }

    @Override
    void resetPeak() {
      System.gc();
      try {
        // "5" resets the kernel's peak-RSS counter of this process
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      } catch (IOException e) {
        throw new IllegalStateException("cannot reset the peak memory counter (/proc/self/clear_refs): "
            + e.getMessage(), e);
      }
    }

    @Override
    long peak() {
      return kb("VmHWM") * 1024;
    }

    private static long kb(String key) {
      Long v = BenchCommand.ProcessMemory.read().get(key);
      if (v == null) {
        throw new IllegalStateException("no " + key + " in /proc/self/status: memory is measured on Linux only");
      }
      return v;
    }
  }

  /** A CUDA device's memory in use, sampled. */
  static final class CudaDevice extends PeakMemory {
    private final Device device;
    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    CudaDevice(Device device) {
      this.device = device;
      this.sampler = new Thread(() -> {
        while (running) {
          now();
          try {
            Thread.sleep(SAMPLE_MILLIS);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "cuda-memory-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    @Override
    String what() {
      return "device memory in use (cudaMemGetInfo total - free, sampled every " + SAMPLE_MILLIS + " ms)";
    }

    @Override
    long now() {
      long used = CudaUtils.getGpuMemory(device).getUsed();
      peak.accumulateAndGet(used, Math::max);
      return used;
    }

    @Override
    void resetPeak() {
      peak.set(0);
    }

    @Override
    long peak() {
      now();
      return peak.get();
    }

    @Override
    public void close() {
      running = false;
      sampler.interrupt();
    }
  }
}
