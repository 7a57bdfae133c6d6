package org.beear.cli;

/** DJL settings every entry point needs before the engine loads (djl-notes: offline, no tracking probe). */
final class Runtime {
  private Runtime() {}

  /**
   * @param command the sub-command about to run: the service logs to stdout as services do; every other command
   *                keeps stdout for its own output (e.g. {@code generate --json}) and logs warnings to stderr
   */
  static void configure(String command) {
    if (!command.equals("serve") && !command.equals("demo")) {
      setIfAbsent("logback.configurationFile", "logback-cli.xml");
    }
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("ai.djl.default_engine", "PyTorch");
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    if (!"true".equalsIgnoreCase(System.getenv("OPT_OUT_TRACKING"))) {
      System.err.println("warning: OPT_OUT_TRACKING is not set to true; DJL may probe a cloud metadata address."
          + " Start beear through its launcher or set OPT_OUT_TRACKING=true.");
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
