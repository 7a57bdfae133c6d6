package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/** {@code beear keys} against the running service on loopback, with the bootstrap admin key file. */
class KeysCommandTest extends ServiceTestBase {

  record Run(int code, String out, String err) {}

  @Test
  void createListAndRevokeAKeyFromTheCommandLine() throws Exception {
    Run created = keys("create", "--name", "nightly-ci", "--role", "submit", "--tenant", "team-cli");
    assertThat(created.code()).as(created.err()).isZero();
    String key = created.out().lines().findFirst().orElseThrow();
    assertThat(key).startsWith("bk_");
    assertThat(created.out()).contains("tenant team-cli", "shown only now");
    assertThat(get("/api/v1/cleanse-jobs", key).statusCode()).isEqualTo(200);

    Run listed = keys("list");
    assertThat(listed.code()).as(listed.err()).isZero();
    String row = listed.out().lines().filter(l -> l.endsWith("nightly-ci")).findFirst().orElseThrow();
    assertThat(row).contains(key.substring(0, 11), "submit", "team-cli");
    assertThat(listed.out()).doesNotContain(key);
    String id = row.split("\\s+")[0];

    Run revoked = keys("revoke", id);
    assertThat(revoked.code()).as(revoked.err()).isZero();
    assertThat(revoked.out()).contains("revoked " + id);
    assertThat(get("/api/v1/cleanse-jobs", key).statusCode()).isEqualTo(401);
    assertThat(keys("list").out()).contains("nightly-ci (revoked)");
  }

  @Test
  void refusalsAreOneErrorLineAndANonZeroExit() throws Exception {
    Path readKey = Files.writeString(Files.createTempDirectory("beear-keys").resolve("read.key"), key("read", TENANT));
    Run forbidden = run("keys", "list", "--server", url(""), "--key-file", readKey.toString());
    assertThat(forbidden.code()).isNotZero();
    assertThat(forbidden.err().strip()).startsWith("error: the service answered 403").doesNotContain("\n");

    Run badRole = keys("create", "--name", "x", "--role", "root");
    assertThat(badRole.code()).isNotZero();
    assertThat(badRole.err().strip()).startsWith("error: the service answered 400").contains("role")
        .doesNotContain("\n");

    Run noKeyFile = run("keys", "list", "--server", url(""), "--key-file", "/nonexistent/admin.key");
    assertThat(noKeyFile.code()).isNotZero();
    assertThat(noKeyFile.err().strip()).startsWith("error: no API key").doesNotContain("\n");
  }

  private Run keys(String... args) {
    List<String> all = new ArrayList<>(List.of("keys"));
    all.addAll(List.of(args));
    all.addAll(List.of("--server", url(""), "--key-file", adminKeyFile().toString()));
    return run(all.toArray(String[]::new));
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }
}
