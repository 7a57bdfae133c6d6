package org.beear.deploy;

import static org.beear.deploy.RenderedManifests.at;
import static org.beear.deploy.RenderedManifests.cast;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The compose files hang together (no Docker engine here to run them): every file they mount exists, the roles
 * are configured as the service expects, Prometheus scrapes the services compose defines, and Grafana's
 * provisioning points at what compose mounts.
 */
class ComposeStackTest {
  private static final Path DOCKER = Path.of("docker");
  private static final Pattern API_KEY = Pattern.compile("bk_[A-Za-z0-9]{40}");
  private static final Pattern DEFAULTED_VARIABLE = Pattern.compile("\\$\\{([A-Z_]+):-([^}]*)}");

  @Test
  void apiAndWorkerShareTheDatabaseAndDataButOnlyTheWorkerTrains() throws IOException {
    Map<String, Object> services = services("compose.yaml");
    Map<String, Object> api = cast(services.get("beear-api"));
    Map<String, Object> worker = cast(services.get("beear-worker"));
    assertEquals("false", at(api, "environment", "BEEAR_WORKER_ENABLED"));
    assertEquals("true", at(worker, "environment", "BEEAR_WORKER_ENABLED"));
    assertEquals("false", at(worker, "environment", "BEEAR_SECURITY_GENERATE_BOOTSTRAP_KEY"),
        "a worker must not mint an admin key into the shared data volume");
    for (Map<String, Object> role : List.of(api, worker)) {
      assertTrue(((String) at(role, "environment", "SPRING_DATASOURCE_URL")).startsWith("jdbc:postgresql://postgres:5432/"));
      assertEquals("service_healthy", at(role, "depends_on", "postgres", "condition"));
      assertTrue(((List<?>) role.get("volumes")).contains("beear-data:/data"), "shared data volume");
      assertEquals("/data", at(role, "environment", "BEEAR_DATA_DIR"));
      assertEquals("docker/Dockerfile", at(role, "build", "dockerfile"));
    }
    for (String name : List.of("postgres", "beear-api", "beear-worker", "prometheus", "grafana")) {
      assertNotNull(at(services.get(name), "healthcheck", "test"), name + " has a health check");
    }
  }

  @Test
  void everyMountedConfigFileExists() throws IOException {
    for (var service : services("compose.yaml").entrySet()) {
      for (Object volume : (List<?>) cast(service.getValue()).getOrDefault("volumes", List.of())) {
        String source = volume.toString().split(":")[0];
        if (source.startsWith("./")) {
          assertTrue(Files.exists(DOCKER.resolve(source)), service.getKey() + " mounts missing " + source);
        }
      }
    }
    assertTrue(Files.isRegularFile(DOCKER.resolve("grafana/dashboards/beear.json")));
  }

  @Test
  void prometheusScrapesTheComposeServicesOnTheirActuatorEndpoint() throws IOException {
    Set<String> services = services("compose.yaml").keySet();
    Map<String, Object> config = load(DOCKER.resolve("prometheus/prometheus.yml"));
    Set<String> scraped = new TreeSet<>();
    for (Object job : (List<?>) config.get("scrape_configs")) {
      for (Object sd : (List<?>) cast(job).getOrDefault("dns_sd_configs", List.of())) {
        assertEquals("/actuator/prometheus", cast(job).get("metrics_path"));
        assertEquals(8080, cast(sd).get("port"));
        for (Object name : (List<?>) cast(sd).get("names")) {
          assertTrue(services.contains(name.toString()), "scrapes unknown service " + name);
          scraped.add(name.toString());
        }
      }
    }
    assertEquals(Set.of("beear-api", "beear-worker"), scraped);
  }

  @Test
  void grafanaProvisioningPointsAtWhatComposeMounts() throws IOException {
    Map<String, Object> grafana = cast(services("compose.yaml").get("grafana"));
    List<?> volumes = (List<?>) grafana.get("volumes");
    assertTrue(volumes.contains("./grafana/provisioning:/etc/grafana/provisioning:ro"));
    assertTrue(volumes.contains("./grafana/dashboards:/var/lib/grafana/dashboards:ro"));

    Map<String, Object> provider = cast(((List<?>) load(DOCKER.resolve("grafana/provisioning/dashboards/beear.yaml"))
        .get("providers")).get(0));
    assertEquals("/var/lib/grafana/dashboards", at(provider, "options", "path"));
    Map<String, Object> datasource = cast(((List<?>) load(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yaml"))
        .get("datasources")).get(0));
    assertEquals("http://prometheus:9090", datasource.get("url"));
  }

  /**
   * The dashboard's ASR-trend panels reach the jobs table as beear_grafana: compose's postgres-init gives the role its
   * login with the password beear-init wrote, and Grafana's data source reads its own copy of that password.
   */
  @Test
  void grafanasPostgresDatasourceConnectsAsTheReadOnlyRoleThatPostgresInitSetsUp() throws IOException {
    Map<String, Object> services = services("compose.yaml");
    Map<String, Object> grafana = cast(services.get("grafana"));
    Map<String, Object> postgres = cast(services.get("postgres"));
    Map<String, Object> init = cast(services.get("postgres-init"));
    Map<String, Object> datasource = cast(((List<?>) load(DOCKER.resolve("grafana/provisioning/datasources/postgres.yaml"))
        .get("datasources")).get(0));
    assertEquals(GrafanaDashboard.POSTGRES_UID, datasource.get("uid"), "the uid the dashboard's SQL panels name");
    assertEquals("postgres:5432", datasource.get("url"));
    assertEquals("beear_grafana", datasource.get("user"));
    assertEquals("$BEEAR_DB_NAME", at(datasource, "jsonData", "database"));
    assertEquals(withDefaults(at(postgres, "environment", "POSTGRES_DB")), withDefaults(at(grafana, "environment", "BEEAR_DB_NAME")));
    String passwordFile = Path.of(mountPoint(grafana, "grafana-secrets")).resolve("db-password").toString();
    assertEquals("$__file{" + passwordFile + "}", at(datasource, "secureJsonData", "password"), "no password literal");
    assertEquals("service_completed_successfully", at(grafana, "depends_on", "postgres-init", "condition"));

    // postgres-init: the role script, as the database's owner, once PostgreSQL is up, with its own password copy.
    assertEquals(List.of("sh", "/init-roles.sh"), init.get("entrypoint"));
    assertTrue(((List<?>) init.get("volumes")).contains("./postgres/init-roles.sh:/init-roles.sh:ro"));
    assertEquals("no", init.get("restart"));
    assertEquals("service_healthy", at(init, "depends_on", "postgres", "condition"));
    assertEquals("service_completed_successfully", at(init, "depends_on", "beear-init", "condition"));
    assertEquals("postgres", at(init, "environment", "PGHOST"));
    for (String[] same : new String[][] {{"PGDATABASE", "POSTGRES_DB"}, {"PGUSER", "POSTGRES_USER"},
        {"PGPASSWORD", "POSTGRES_PASSWORD"}}) {
      assertEquals(withDefaults(at(postgres, "environment", same[1])), withDefaults(at(init, "environment", same[0])), same[0]);
    }
    Path initMount = Path.of(mountPoint(init, "postgres-init-secrets"));
    assertTrue(((List<?>) init.get("volumes")).contains("postgres-init-secrets:" + initMount + ":ro"), "read-only");
    assertEquals(initMount.resolve("grafana-db-password").toString(), at(init, "environment", "GRAFANA_DB_PASSWORD_FILE"));
    assertEquals(Path.of("/secrets/postgres-init"), initDir(services, "postgres-init-secrets"), "where beear-init writes it");
    assertNull(mountPointOrNull(init, "grafana-secrets"), "postgres-init does not see Grafana's admin password");
  }

  @Test
  void gpuOverrideReservesAnNvidiaGpuForTheWorkerOnTheCudaImage() throws IOException {
    Map<String, Object> services = services("compose.gpu.yaml");
    assertEquals(Set.of("beear-api", "beear-worker"), services.keySet());
    Map<String, Object> api = cast(services.get("beear-api"));
    assertEquals(Set.of("environment"), api.keySet(), "the API stays on the CPU image, with no GPU");
    assertEquals("cuda", at(api, "environment", "BEEAR_WORKER_DEVICE"), "it plans submissions for the GPU workers");
    Map<String, Object> worker = cast(services.get("beear-worker"));
    assertEquals("cuda", at(worker, "environment", "BEEAR_WORKER_DEVICE"));
    Map<String, Object> device = cast(((List<?>) at(worker, "deploy", "resources", "reservations", "devices")).get(0));
    assertEquals("nvidia", device.get("driver"));
    assertEquals(List.of("gpu"), device.get("capabilities"));
    String dockerfile = (String) at(worker, "build", "dockerfile");
    assertEquals("docker/Dockerfile.cuda", dockerfile);
    assertTrue(Files.isRegularFile(Path.of(dockerfile)));
  }

  @Test
  void onlyTheApiIsPublishedAndOnlyOnLoopback() throws IOException {
    Map<String, Object> services = services("compose.yaml");
    for (var service : services.entrySet()) {
      if (!service.getKey().equals("beear-api")) {
        assertNull(cast(service.getValue()).get("ports"), service.getKey() + " must not be published by default");
      }
    }
    assertEquals(List.of(Map.of("target", 8080, "host_ip", "127.0.0.1", "published", "8080", "protocol", "tcp")),
        withDefaults(at(services.get("beear-api"), "ports")));
    assertNull(at(services("compose.gpu.yaml").get("beear-api"), "ports"), "the GPU override publishes nothing");

    // The opt-in override publishes Prometheus and Grafana, on loopback too, and changes nothing else.
    Map<String, Object> observability = services("compose.observability-ports.yaml");
    assertEquals(Set.of("prometheus", "grafana"), observability.keySet());
    assertEquals(List.of(Map.of("target", 9090, "host_ip", "127.0.0.1", "published", "9090", "protocol", "tcp")),
        withDefaults(at(observability.get("prometheus"), "ports")));
    assertEquals(List.of(Map.of("target", 3000, "host_ip", "127.0.0.1", "published", "3000", "protocol", "tcp")),
        withDefaults(at(observability.get("grafana"), "ports")));
    for (Object service : observability.values()) {
      assertEquals(Set.of("ports"), cast(service).keySet());
    }
  }

  @Test
  void grafanaHasNoDefaultPasswordButOneBeearInitGenerated() throws IOException {
    String compose = Files.readString(DOCKER.resolve("compose.yaml"));
    assertFalse(compose.contains("GRAFANA_ADMIN_PASSWORD:-admin"), "no admin/admin default");
    Map<String, Object> services = services("compose.yaml");
    Map<String, Object> grafana = cast(services.get("grafana"));
    Map<String, Object> env = cast(grafana.get("environment"));
    assertFalse(env.containsKey("GF_SECURITY_ADMIN_PASSWORD"), "the password is no literal in the compose file");
    String passwordFile = (String) env.get("GF_SECURITY_ADMIN_PASSWORD__FILE");
    Path mount = Path.of(mountPoint(grafana, "grafana-secrets"));
    assertEquals(mount.resolve("admin-password").toString(), passwordFile);
    assertEquals(initDir(services, "grafana-secrets").resolve("admin-password"), Path.of("/secrets/grafana/admin-password"));
    assertEquals("service_completed_successfully", at(grafana, "depends_on", "beear-init", "condition"));
  }

  @Test
  void eachRoleReadsItsOwnKeysFromTheVolumesBeearInitWrites() throws IOException {
    Map<String, Object> services = services("compose.yaml");
    assertEquals("no", at(services.get("beear-init"), "restart"));
    assertEquals(List.of("sh", "/init-secrets.sh"), at(services.get("beear-init"), "entrypoint"));
    Map<String, String> roleVolumes = Map.of("beear-api", "beear-api-secrets", "beear-worker", "beear-worker-secrets");
    for (var role : roleVolumes.entrySet()) {
      Map<String, Object> service = cast(services.get(role.getKey()));
      assertEquals("service_completed_successfully", at(service, "depends_on", "beear-init", "condition"));
      String mount = mountPoint(service, role.getValue());
      assertEquals("optional:configtree:" + mount + "/", at(service, "environment", "SPRING_CONFIG_IMPORT"));
      assertTrue(((List<?>) service.get("volumes")).contains(role.getValue() + ":" + mount + ":ro"), "read-only");
      for (var other : roleVolumes.values()) {
        if (!other.equals(role.getValue())) {
          assertNull(mountPointOrNull(service, other), role.getKey() + " must not mount " + other);
        }
      }
    }
    // The init writes into the directories the script expects (its defaults).
    assertEquals(Path.of("/secrets/api"), initDir(services, "beear-api-secrets"));
    assertEquals(Path.of("/secrets/worker"), initDir(services, "beear-worker-secrets"));
    assertEquals(Path.of("/secrets/prometheus"), initDir(services, "prometheus-secrets"));
  }

  @Test
  void prometheusScrapesWithTheMetricsKeyFileFromItsSecretsVolume() throws IOException {
    Map<String, Object> services = services("compose.yaml");
    Map<String, Object> prometheus = cast(services.get("prometheus"));
    Path configDir = Path.of("/etc/prometheus");
    assertTrue(((List<?>) prometheus.get("volumes")).contains("./prometheus/prometheus.yml:" + configDir.resolve("prometheus.yml") + ":ro"));
    Path secrets = Path.of(mountPoint(prometheus, "prometheus-secrets"));
    Map<String, Object> config = load(DOCKER.resolve("prometheus/prometheus.yml"));
    int beearJobs = 0;
    for (Object job : (List<?>) config.get("scrape_configs")) {
      if (!cast(job).get("job_name").toString().startsWith("beear-")) {
        continue;
      }
      beearJobs++;
      Map<String, Object> authorization = cast(cast(job).get("authorization"));
      assertNotNull(authorization, cast(job).get("job_name") + " scrapes without a key");
      assertEquals("Bearer", authorization.get("type"));
      assertNull(authorization.get("credentials"), "no key literal in prometheus.yml");
      Path file = configDir.resolve((String) authorization.get("credentials_file"));
      assertEquals(secrets.resolve("metrics-key"), file, "relative to prometheus.yml, inside the secrets mount");
    }
    assertEquals(2, beearJobs);
  }

  @Test
  void initScriptWritesEachKeyOnceAndOnlyForItsReaders(@TempDir Path dir) throws Exception {
    assumeTrue(ExternalProcess.onPath("sh").isPresent(), "sh not installed");
    Map<String, String> env = initEnv(dir.resolve("first"));
    runInit(env);
    Path api = Path.of(env.get("API_DIR"));
    Map<String, String> written = readTree(dir.resolve("first"));
    assertEquals(Set.of("api/beear.security.bootstrap-key", "api/beear.security.metrics-key",
        "api/beear.security.secrets-key", "worker/beear.security.secrets-key", "prometheus/metrics-key",
        "grafana/admin-password", "grafana/db-password", "postgres-init/grafana-db-password"), written.keySet(),
        "workers get the secrets key only, Prometheus the metrics key only");
    String bootstrap = written.get("api/beear.security.bootstrap-key");
    String metrics = written.get("api/beear.security.metrics-key");
    assertTrue(API_KEY.matcher(bootstrap).matches(), bootstrap);
    assertTrue(API_KEY.matcher(metrics).matches(), metrics);
    assertNotEquals(bootstrap, metrics);
    assertEquals(32, Base64.getDecoder().decode(written.get("api/beear.security.secrets-key")).length);
    assertEquals(written.get("api/beear.security.secrets-key"), written.get("worker/beear.security.secrets-key"));
    assertEquals(metrics, written.get("prometheus/metrics-key"));
    assertTrue(written.get("grafana/admin-password").matches("[A-Za-z0-9]{24}"));
    assertFalse(written.get("grafana/admin-password").equals("admin"));
    assertTrue(written.get("grafana/db-password").matches("[A-Za-z0-9]{24}"));
    assertNotEquals(written.get("grafana/admin-password"), written.get("grafana/db-password"));
    assertEquals(written.get("grafana/db-password"), written.get("postgres-init/grafana-db-password"),
        "the role gets the password Grafana logs in with");
    assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(api.resolve("beear.security.bootstrap-key"))));

    runInit(env);
    assertEquals(written, readTree(dir.resolve("first")), "a second start keeps every key");

    Map<String, String> chosen = new HashMap<>(initEnv(dir.resolve("second")));
    chosen.put("GRAFANA_ADMIN_PASSWORD", "correct horse battery staple");
    runInit(chosen);
    Map<String, String> second = readTree(dir.resolve("second"));
    assertEquals("correct horse battery staple", second.get("grafana/admin-password"));
    assertNotEquals(bootstrap, second.get("api/beear.security.bootstrap-key"), "random per stack");
  }

  @Test
  void theHubTokenGoesToTheWorkersSecretsVolumeOnlyAndFollowsTheEnvironment(@TempDir Path dir) throws Exception {
    Map<String, Object> services = services("compose.yaml");
    assertEquals("${BEEAR_SOURCES_HUB_TOKEN:-}",
        at(services.get("beear-init"), "environment", "BEEAR_SOURCES_HUB_TOKEN"));
    for (String role : List.of("beear-api", "beear-worker")) {
      assertNull(at(services.get(role), "environment", "BEEAR_SOURCES_HUB_TOKEN"), role + " has the token in its env");
    }
    assertEquals("https://huggingface.co",
        withDefaults(at(services.get("beear-worker"), "environment", "BEEAR_SOURCES_HUB_ENDPOINT")));

    assumeTrue(ExternalProcess.onPath("sh").isPresent(), "sh not installed");
    Map<String, String> env = new HashMap<>(initEnv(dir));
    env.put("BEEAR_SOURCES_HUB_TOKEN", "hf_first");
    runInit(env);
    Path token = dir.resolve("worker/beear.sources.hub.token");
    assertEquals("hf_first", Files.readString(token));
    assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
    assertFalse(readTree(dir).keySet().stream().anyMatch(f -> f.contains("hub") && !f.startsWith("worker/")));
    env.put("BEEAR_SOURCES_HUB_TOKEN", "hf_rotated");
    runInit(env);
    assertEquals("hf_rotated", Files.readString(token), "a new token replaces the old");
    env.remove("BEEAR_SOURCES_HUB_TOKEN");
    runInit(env);
    assertFalse(Files.exists(token), "an unset token is removed");
  }

  private static Map<String, String> initEnv(Path root) {
    // Owned by whoever runs the test, so it can read the files back without root.
    String uid = String.valueOf(new com.sun.security.auth.module.UnixSystem().getUid());
    return Map.of("API_DIR", root.resolve("api").toString(), "WORKER_DIR", root.resolve("worker").toString(),
        "PROMETHEUS_DIR", root.resolve("prometheus").toString(), "GRAFANA_DIR", root.resolve("grafana").toString(),
        "POSTGRES_INIT_DIR", root.resolve("postgres-init").toString(),
        "BEEAR_UID", uid, "PROMETHEUS_UID", uid, "GRAFANA_UID", uid, "POSTGRES_INIT_UID", uid);
  }

  private static void runInit(Map<String, String> env) throws Exception {
    ExternalProcess.Result result = ExternalProcess.run(List.of("sh", DOCKER.resolve("init-secrets.sh").toString()),
        env, Duration.ofSeconds(30));
    assertEquals(0, result.exitCode(), result.output());
  }

  private static Map<String, String> readTree(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path file : paths.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(file).toString(), Files.readString(file));
      }
    }
    return files;
  }

  /** Where a service mounts a named volume. */
  private static String mountPoint(Map<String, Object> service, String volume) {
    String mount = mountPointOrNull(service, volume);
    assertNotNull(mount, "no mount of " + volume + " in " + service.get("volumes"));
    return mount;
  }

  private static String mountPointOrNull(Map<String, Object> service, String volume) {
    for (Object entry : (List<?>) service.getOrDefault("volumes", List.of())) {
      String[] parts = entry.toString().split(":");
      if (parts[0].equals(volume)) {
        return parts[1];
      }
    }
    return null;
  }

  private static Path initDir(Map<String, Object> services, String volume) {
    return Path.of(mountPoint(cast(services.get("beear-init")), volume));
  }

  /** A value as compose sees it with no environment: ${VAR:-default} becomes default. */
  private static Object withDefaults(Object value) {
    if (value instanceof String text) {
      Matcher matcher = DEFAULTED_VARIABLE.matcher(text);
      return matcher.replaceAll(m -> Matcher.quoteReplacement(m.group(2)));
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new java.util.LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, withDefaults(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(ComposeStackTest::withDefaults).toList();
    }
    return value;
  }

  private static Map<String, Object> services(String file) throws IOException {
    return cast(load(DOCKER.resolve(file)).get("services"));
  }

  private static Map<String, Object> load(Path file) throws IOException {
    return new Yaml().load(Files.readString(file));
  }
}
