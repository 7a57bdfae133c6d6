package org.beear.cli;

/** DJL settings every entry point needs before the engine loads (djl-notes: offline, no tracking probe). */
final class Runtime {
  /** The demo's logging: its service's log lines in a file, warnings on stderr, stdout left to the demo. */
  static final String DEMO_LOGGING = "logback-demo.xml";

  private Runtime() {}

  /**
   * @param command the sub-command about to run: the service logs to stdout as services do; the demo logs its
   *                service to a file and warnings to stderr; every other command keeps stdout for its own output
   *                (e.g. {@code generate --json}) and logs warnings to stderr
   */
  static void configure(String command) {
    if (command.equals("demo")) {
      setIfAbsent("logback.configurationFile", DEMO_LOGGING);
    } else if (!command.equals("serve")) {
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
