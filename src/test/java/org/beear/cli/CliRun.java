package org.beear.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** A command run as the real process runs it: its exit code, what it printed to System.out and picocli's errors. */
record CliRun(int exitCode, String out, String err) {

  static CliRun of(String... args) {
    PrintStream originalOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int code;
    try {
      // the commands print their results to System.out, as the real process does
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = Main.commandLine().setErr(new PrintWriter(err, true)).execute(args);
    } finally {
      System.setOut(originalOut);
    }
    return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString());
  }
}
