package org.beear.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's ASR-trend section against the real schema: every SQL query of the dashboard, with Grafana's macros
 * expanded as Grafana does, runs on the service's embedded PostgreSQL as beear_grafana, the read-only role that
 * Grafana's data source connects as, after a job succeeded; each must return rows. The role can read jobs and
 * job_epochs and nothing else, and cannot write; compose's role script gives it its login and password.
 */
class DashboardSqlTest extends ServiceTestBase {
  private static final Path DASHBOARD = Path.of("docker/grafana/dashboards/beear.json");
  private static final Path ROLE_SCRIPT = Path.of("docker/postgres/init-roles.sh");
  private static final String ROLE = "beear_grafana";
  private static final Pattern JDBC_URL = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/([^?]+).*");

  @Test
  void everySqlPanelOfTheDashboardReturnsRowsForTheReadOnlyRoleAfterAJob() throws Exception {
    String model = fileUri(model(uniqueName("trend")));
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 2, "inner_steps": 1},
         "evaluation": {"triggers": [{"text": "SUDO", "position": "suffix"}]}}""".formatted(model));
    awaitStatus(id, "succeeded");
    // a scan by the real scanner on a backdoored xs organism, for the scans' panel
    HttpResponse<String> scan = postJson("/api/v1/scan-jobs", "{\"model_uri\": \"%s\"}"
        .formatted(fileUri(organism("suffix-short"))));
    assertThat(scan.statusCode()).as(scan.body()).isEqualTo(201);
    String scanId = json(scan).get("id").asText();
    awaitJobAt("/api/v1/scan-jobs/" + scanId, j -> j.get("status").asText().equals("succeeded"),
        Duration.ofMinutes(2));
    String password = login();

    List<GrafanaDashboard.SqlQuery> queries = new GrafanaDashboard(DASHBOARD, Map.of()).sqlQueries();
    assertThat(queries).as("SQL panels of the ASR-trend section").hasSizeGreaterThanOrEqualTo(7);
    Instant now = clock.instant(); // what Grafana's "now" is to the service: its clock wrote the times
    List<String> problems = new ArrayList<>();
    StringBuilder everything = new StringBuilder();
    try (Connection grafana = asGrafana(jdbcUrl(), password)) {
      for (GrafanaDashboard.SqlQuery query : queries) {
        String sql = GrafanaSqlMacros.expand(query.rawSql(), now.minus(query.range()), now);
        try (Statement statement = grafana.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
          String problem = check(query, rows, everything);
          if (problem != null) {
            problems.add(query.source() + ": " + problem + "\n" + sql);
          }
        } catch (SQLException e) {
          problems.add(query.source() + ": " + e.getMessage() + "\n" + sql);
        }
      }
    }
    assertThat(problems).as("SQL panels that would be empty or fail").isEmpty();
    assertThat(everything.toString()).as("the jobs and the model appear on the dashboard")
        .contains(id, model, scanId, "likely backdoored");
  }

  @Test
  void theGrafanaRoleReadsJobsAndEpochsOnlyAndWritesNothing() throws Exception {
    String password = login();
    try (Connection grafana = asGrafana(jdbcUrl(), password);
        Statement statement = grafana.createStatement()) {
      statement.executeQuery("SELECT count(*) FROM jobs").close();
      statement.executeQuery("SELECT count(*) FROM job_epochs").close();
      assertThat(setting(statement, "statement_timeout")).isEqualTo("30s");

      // Sessions are read-only by default...
      assertThatThrownBy(() -> statement.executeUpdate("UPDATE jobs SET status = 'failed'"))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25006"));
      // ...and a session that turns that off still holds no right to write, nor to read the other tables.
      statement.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE");
      for (String forbidden : List.of("UPDATE jobs SET status = 'failed'", "DELETE FROM job_epochs",
          "INSERT INTO job_events (job_id, type, message) SELECT id, 'info', 'x' FROM jobs LIMIT 1",
          "SELECT * FROM api_keys", "SELECT * FROM job_events", "CREATE TABLE grafana_was_here (x int)")) {
        assertThatThrownBy(() -> statement.execute(forbidden)).as(forbidden)
            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
      }
    }
  }

  /** docker/postgres/init-roles.sh, as compose's postgres-init runs it, against this database. */
  @Test
  void composeRoleScriptGivesTheRoleItsLoginAndGrafanasPassword(@TempDir Path dir) throws Exception {
    assumeTrue(ExternalProcess.onPath("psql").isPresent(), "psql not installed (apt-get install postgresql-client)");
    Matcher url = JDBC_URL.matcher(jdbcUrl());
    assertThat(url.matches()).as(jdbcUrl()).isTrue();
    String user = jdbc.queryForObject("SELECT current_user", String.class);
    jdbc.execute("ALTER ROLE " + ROLE + " NOLOGIN PASSWORD NULL"); // as V8 leaves a role it created

    for (String password : List.of("first" + UUID.randomUUID().toString().replace("-", ""),
        "rotated" + UUID.randomUUID().toString().replace("-", ""))) {
      Path file = Files.writeString(dir.resolve("grafana-db-password"), password);
      Map<String, String> env = new HashMap<>(Map.of("PGHOST", url.group(1), "PGPORT", url.group(2),
          "PGDATABASE", url.group(3), "PGUSER", user, "GRAFANA_DB_PASSWORD_FILE", file.toString()));
      ExternalProcess.Result result = ExternalProcess.run(List.of("sh", ROLE_SCRIPT.toString()), env,
          Duration.ofSeconds(60));
      assertThat(result.exitCode()).as(result.output()).isZero();
      assertThat(result.output()).doesNotContain(password);

      Map<String, Object> role = jdbc.queryForMap(
          "SELECT a.rolcanlogin, a.rolsuper, a.rolcreaterole, a.rolpassword, r.rolconfig::text AS config"
              + " FROM pg_authid a JOIN pg_roles r ON r.oid = a.oid WHERE a.rolname = ?", ROLE);
      assertThat(role.get("rolcanlogin")).isEqualTo(true);
      assertThat(role.get("rolsuper")).isEqualTo(false);
      assertThat(role.get("rolcreaterole")).isEqualTo(false);
      assertThat((String) role.get("config")).contains("default_transaction_read_only=on", "statement_timeout=30s");
      assertThat(scramMatches((String) role.get("rolpassword"), password))
          .as("the role's password is the one in the file (each run applies the file's)").isTrue();
    }
    for (String table : List.of("jobs", "job_epochs")) {
      assertThat(jdbc.queryForObject("SELECT has_table_privilege(?, ?, 'SELECT')", Boolean.class, ROLE, table)).isTrue();
    }
    for (String table : List.of("job_events", "api_keys")) {
      assertThat(jdbc.queryForObject("SELECT has_table_privilege(?, ?, 'SELECT')", Boolean.class, ROLE, table)).isFalse();
    }
  }

  /** What a panel of this format would show: null when it has data, else what is wrong. */
  private static String check(GrafanaDashboard.SqlQuery query, ResultSet rows, StringBuilder everything)
      throws SQLException {
    ResultSetMetaData columns = rows.getMetaData();
    int timeColumn = 0;
    for (int i = 1; i <= columns.getColumnCount(); i++) {
      if (columns.getColumnLabel(i).equals("time")) {
        timeColumn = i;
      }
    }
    if (query.format().equals("time_series") && timeColumn == 0) {
      return "a time series query without a \"time\" column";
    }
    int count = 0;
    boolean someValue = false;
    while (rows.next()) {
      count++;
      for (int i = 1; i <= columns.getColumnCount(); i++) {
        Object value = rows.getObject(i);
        everything.append(value).append('\n');
        someValue |= i != timeColumn && value != null;
      }
    }
    return count == 0 ? "no rows" : someValue ? null : "rows without any value";
  }

  /** Gives the role a login and a new password, as an administrator would (docs/deployment.md). */
  private String login() {
    String password = "pw" + UUID.randomUUID().toString().replace("-", "");
    jdbc.execute("ALTER ROLE " + ROLE + " LOGIN PASSWORD '" + password + "'");
    return password;
  }

  /** The service's database, without the user the URL may name: whoever connects says who they are. */
  private String jdbcUrl() throws SQLException {
    try (Connection connection = jdbc.getDataSource().getConnection()) {
      return connection.getMetaData().getURL().replaceAll("\\?.*$", "");
    }
  }

  private static Connection asGrafana(String url, String password) throws SQLException {
    Connection connection = DriverManager.getConnection(url, ROLE, password);
    try (Statement statement = connection.createStatement()) {
      assertThat(setting(statement, "session_authorization")).isEqualTo(ROLE);
    }
    return connection;
  }

  private static String setting(Statement statement, String name) throws SQLException {
    try (ResultSet rows = statement.executeQuery("SHOW " + name)) {
      rows.next();
      return rows.getString(1);
    }
  }

  /**
   * Whether a SCRAM-SHA-256 verifier as PostgreSQL stores it ({@code SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey})
   * belongs to this password: the embedded server trusts local connections, so a login would not tell.
   */
  private static boolean scramMatches(String verifier, String password) throws Exception {
    Matcher m = Pattern.compile("SCRAM-SHA-256\\$(\\d+):([^$]+)\\$([^:]+):(.+)").matcher(String.valueOf(verifier));
    if (!m.matches()) {
      return false;
    }
    byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(new PBEKeySpec(
        password.toCharArray(), Base64.getDecoder().decode(m.group(2)), Integer.parseInt(m.group(1)), 256)).getEncoded();
    Mac hmac = Mac.getInstance("HmacSHA256");
    hmac.init(new SecretKeySpec(salted, "HmacSHA256"));
    byte[] clientKey = hmac.doFinal("Client Key".getBytes(StandardCharsets.UTF_8));
    byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
    return MessageDigest.isEqual(storedKey, Base64.getDecoder().decode(m.group(3)));
  }
}
