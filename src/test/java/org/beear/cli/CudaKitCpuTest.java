package org.beear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CUDA kit's script end to end on this machine's CPU (src/bench/cuda/test-on-cpu.sh): the kit made from the
 * build, the JNI library compiled against Debian's libtorch and loaded by DJL through the settings the GPU machine
 * uses, the tiny model's greedy tokens, bench beear with --fit beside the eager mirror, the summary, the kit's size.
 * It takes minutes (the JNI compile alone is about 3 CPU-minutes), so it is a benchmark run on request:
 * {@code mvn test -Dtest=CudaKitCpuTest -Dbeear.cudaKitTest=true}, or the script itself. Skipped where g++, xz,
 * python3-torch or libtorch-dev is missing.
 */
class CudaKitCpuTest {
  @Test
  void theDeviceScriptRunsEveryStageOnTheCpu() throws IOException, InterruptedException {
    assumeTrue(Boolean.getBoolean("beear.cudaKitTest"), "opt-in: -Dbeear.cudaKitTest=true (takes minutes)");
    Path log = Files.createTempFile("cuda-kit-cpu-test", ".log");
    Process p = new ProcessBuilder("bash", "src/bench/cuda/test-on-cpu.sh").redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    // a generous bound, only to catch a hang: the script takes 5-15 minutes on a shared 2-core machine
    assertTrue(p.waitFor(60, TimeUnit.MINUTES), "test-on-cpu.sh still running after an hour");
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assumeTrue(p.exitValue() != 77, out);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("all stages passed") && out.lines().anyMatch(l -> l.startsWith("passed in ")), out);
  }
}
