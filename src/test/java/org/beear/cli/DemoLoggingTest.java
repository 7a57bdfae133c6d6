package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's stdout is its own story: the service's log lines go to the log file, warnings also to stderr, and
 * DJL's CUDA probe on a CPU-only machine goes nowhere visible.
 */
class DemoLoggingTest {

  @TempDir
  Path tmp;

  @Test
  void serviceLogLinesGoToTheFileAndOnlyWarningsToStderr() throws Exception {
    Path logFile = tmp.resolve("demo.log");
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    try {
      System.setOut(new PrintStream(stdout, true));
      System.setErr(new PrintStream(stderr, true));
      context.putProperty("beear.log.file", logFile.toString());
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(getClass().getClassLoader().getResource(Runtime.DEMO_LOGGING));

      context.getLogger("org.springframework.boot.StartupInfoLogger").info("Started Main in 12.3 seconds");
      context.getLogger("ai.djl.util.cuda.CudaUtils").warn("Failed to detect GPU count: CUDA driver version");
      context.getLogger("org.beear.worker.JobRun").warn("job 1 failed");
    } finally {
      context.stop();
      System.setOut(out);
      System.setErr(err);
    }
    assertThat(stdout.toString()).isEmpty();
    assertThat(stderr.toString()).contains("job 1 failed").doesNotContain("Started Main").doesNotContain("CUDA");
    assertThat(Files.readString(logFile)).contains("Started Main in 12.3 seconds").contains("job 1 failed")
        .doesNotContain("CUDA");
  }
}
