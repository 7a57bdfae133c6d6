package org.beear.deploy;

import static org.beear.deploy.RenderedManifests.at;
import static org.beear.deploy.RenderedManifests.cast;
import static org.beear.deploy.RenderedManifests.env;
import static org.beear.deploy.RenderedManifests.envValue;
import static org.beear.deploy.RenderedManifests.list;
import static org.beear.deploy.RenderedManifests.onlyContainer;
import static org.beear.deploy.RenderedManifests.podSpec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Lints and renders helm/beear with real Helm (helm-java) and checks what a cluster would receive. */
class HelmChartTest {
  private static final Path CHART = Path.of("helm/beear");
  private static final Path GPU_VALUES = CHART.resolve("values-gpu.yaml");
  private static final String RELEASE = "beear";
  private static final String GPU = "nvidia.com/gpu";
  /** helm template assumes Kubernetes 1.20 without a cluster; the chart requires 1.25+. */
  private static final String KUBE_VERSION = "1.30.0";
  private static final Pattern API_KEY = Pattern.compile("bk_[A-Za-z0-9]{40}");

  @Test
  void chartLintsCleanInStrictMode() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
  }

  @Test
  void defaultValuesRenderCpuOnlyApiAndWorkerOnTheSameDatabase() {
    RenderedManifests manifests = render(t -> t);

    Map<String, Object> api = manifests.get("Deployment", "beear-api");
    Map<String, Object> apiContainer = onlyContainer(api);
    assertEquals("false", envValue(apiContainer, "BEEAR_WORKER_ENABLED"), "the API replica must not train");
    assertEquals("beear:0.1.0", apiContainer.get("image"));
    assertEquals(List.of("serve"), apiContainer.get("args"));

    Map<String, Object> worker = manifests.get("Deployment", "beear-worker");
    Map<String, Object> workerContainer = onlyContainer(worker);
    assertEquals("true", envValue(workerContainer, "BEEAR_WORKER_ENABLED"));
    assertEquals("false", envValue(workerContainer, "BEEAR_SECURITY_GENERATE_BOOTSTRAP_KEY"),
        "a worker must not mint an admin key");
    assertEquals("1", envValue(workerContainer, "BEEAR_WORKER_SLOTS"));
    assertEquals(Map.of("fieldPath", "metadata.name"),
        at(env(workerContainer, "BEEAR_WORKER_REPLICA_ID"), "valueFrom", "fieldRef"),
        "a restarted worker container recovers its jobs under its pod's name");
    assertEquals("beear:0.1.0", workerContainer.get("image"));
    assertNull(at(workerContainer, "resources", "limits", GPU), "no GPU requested by default");
    assertNull(podSpec(worker).get("runtimeClassName"));
    assertNull(podSpec(worker).get("tolerations"));
    assertEquals("Recreate", at(worker, "spec", "strategy", "type"));

    for (Map<String, Object> container : List.of(apiContainer, workerContainer)) {
      assertEquals("jdbc:postgresql://beear-postgresql:5432/beear", envValue(container, "SPRING_DATASOURCE_URL"));
      assertEquals(Map.of("name", "beear-db", "key", "password"),
          at(env(container, "SPRING_DATASOURCE_PASSWORD"), "valueFrom", "secretKeyRef"));
      assertEquals("/data", envValue(container, "BEEAR_DATA_DIR"));
      assertEquals("/data/models", envValue(container, "BEEAR_SOURCES_ALLOWED_ROOTS"),
          "file:// reaches the data volume's import folder, not the volume (keys, database, other tenants' outputs)");
      assertEquals("/actuator/health/readiness", at(container, "readinessProbe", "httpGet", "path"));
      assertEquals("/actuator/health/liveness", at(container, "livenessProbe", "httpGet", "path"));
      assertEquals(true, at(container, "securityContext", "readOnlyRootFilesystem"));
    }
    // Both roles mount the one data claim: the API serves reports the worker writes.
    for (Map<String, Object> deployment : List.of(api, worker)) {
      Map<String, Object> data = list(podSpec(deployment).get("volumes")).stream()
          .filter(v -> "data".equals(v.get("name"))).findFirst().orElseThrow();
      assertEquals("beear-data", at(data, "persistentVolumeClaim", "claimName"));
    }
    assertEquals(List.of("ReadWriteMany"), at(manifests.get("PersistentVolumeClaim", "beear-data"), "spec", "accessModes"));

    assertTrue(manifests.find("Secret", "beear-db").isEmpty(), "credentials come from the existing Secret");
    assertTrue(manifests.ofKind("ServiceMonitor").isEmpty(), "ServiceMonitor is off by default");
    assertEquals("ClusterIP", at(manifests.get("Service", "beear"), "spec", "type"));
    assertEquals("None", at(manifests.get("Service", "beear-worker"), "spec", "clusterIP"));

    String applicationYaml = (String) at(manifests.get("ConfigMap", "beear-config"), "data", "application.yaml");
    assertTrue(applicationYaml.contains("include: health,info,prometheus"), applicationYaml);
  }

  @Test
  void gpuValuesRequestAGpuAndScheduleOnlyTheWorkerOntoGpuNodes() {
    RenderedManifests manifests = render(t -> t.withValuesFile(GPU_VALUES));

    Map<String, Object> worker = manifests.get("Deployment", "beear-worker");
    Map<String, Object> container = onlyContainer(worker);
    assertEquals(1, at(container, "resources", "limits", GPU));
    assertEquals("64Gi", at(container, "resources", "limits", "memory"), "GPU limit merged into the memory limit");
    assertEquals("beear-cuda:0.1.0", container.get("image"));
    assertEquals("1", envValue(container, "BEEAR_WORKER_SLOTS"));
    Map<String, Object> pod = podSpec(worker);
    assertEquals("nvidia", pod.get("runtimeClassName"));
    assertEquals(Map.of("nvidia.com/gpu.present", "true"), pod.get("nodeSelector"));
    assertEquals(GPU, list(pod.get("tolerations")).get(0).get("key"));

    Map<String, Object> api = manifests.get("Deployment", "beear-api");
    assertEquals("beear:0.1.0", onlyContainer(api).get("image"), "the API keeps the CPU image");
    assertNull(at(onlyContainer(api), "resources", "limits", GPU));
    assertNull(podSpec(api).get("runtimeClassName"));
    assertEquals("false", envValue(onlyContainer(api), "BEEAR_WORKER_ENABLED"));
    for (Map<String, Object> c : List.of(container, onlyContainer(api))) {
      assertEquals("cuda", envValue(c, "BEEAR_WORKER_DEVICE"), "the API plans submissions for the GPU workers");
      assertEquals("80GB", envValue(c, "BEEAR_WORKER_DEVICE_MEMORY"));
    }
  }

  @Test
  void extraAllowedRootsJoinTheDataVolumesModelsFolder() {
    RenderedManifests manifests = render(t -> t.set("extraAllowedRoots[0]", "/models").set("dataDir", "/var/beear/"));
    for (String deployment : List.of("beear-api", "beear-worker")) {
      assertEquals("/var/beear/models,/models",
          envValue(onlyContainer(manifests.get("Deployment", deployment)), "BEEAR_SOURCES_ALLOWED_ROOTS"));
    }
  }

  @Test
  void moreThanOneJobSlotIsRefusedWhateverTheGpus() {
    // a worker process trains one job at a time (beear.worker.slots must be 1): the chart says so before the pod does
    for (int gpus : new int[] {1, 2}) {
      Exception error = assertThrows(Exception.class,
          () -> render(t -> t.withValuesFile(GPU_VALUES).set("worker.slots", 2).set("worker.gpu.count", gpus)));
      assertTrue(error.getMessage().contains("worker.slots (2) must be 1: a worker process runs one training job at a"
          + " time"), error.getMessage());
      assertTrue(error.getMessage().contains("raise worker.replicas"), error.getMessage());
    }
    Exception cpu = assertThrows(Exception.class, () -> render(t -> t.set("worker.slots", 2)));
    assertTrue(cpu.getMessage().contains("worker.slots (2) must be 1"), cpu.getMessage());
    // The GPU count is the pod's to ask for.
    RenderedManifests two = render(t -> t.withValuesFile(GPU_VALUES).set("worker.gpu.count", 2));
    assertEquals(2, at(onlyContainer(two.get("Deployment", "beear-worker")), "resources", "limits", GPU));
  }

  @Test
  void schemaRejectsMistypedValues() {
    assertRejected(t -> t.set("api.replicas", "x"), "replicas");
    assertRejected(t -> t.set("worker.gpu.count", 0), "count");
    assertRejected(t -> t.set("worker.gpus", 1), "gpus");
    assertRejected(t -> t.set("database.url", "postgres://db/beear"), "url");
    assertRejected(t -> t.set("persistence.accessModes[0]", "ReadWriteAll"), "accessModes");
  }

  @Test
  void withoutAnExistingSecretTheChartCreatesOneOrRefusesToRender() {
    Exception error = assertThrows(Exception.class, () -> render(t -> t.set("database.existingSecret", "")));
    assertTrue(error.getMessage().contains("database.password is required"), error.getMessage());

    RenderedManifests manifests = render(t -> t.set("database.existingSecret", "").set("database.password", "s3cret"));
    Map<String, Object> secret = manifests.get("Secret", "beear-db");
    assertEquals(Map.of("username", "beear", "password", "s3cret"), secret.get("stringData"));
    assertEquals("beear-db",
        at(env(onlyContainer(manifests.get("Deployment", "beear-worker")), "SPRING_DATASOURCE_USERNAME"),
            "valueFrom", "secretKeyRef", "name"));
  }

  @Test
  void serviceMonitorScrapesActuatorOnBothServicesWhenEnabled() {
    RenderedManifests manifests = render(t -> t.set("monitoring.serviceMonitor.enabled", true));
    Map<String, Object> monitor = manifests.get("ServiceMonitor", "beear");
    assertEquals("monitoring.coreos.com/v1", monitor.get("apiVersion"));
    Map<String, Object> endpoint = list(at(monitor, "spec", "endpoints")).get(0);
    assertEquals("/actuator/prometheus", endpoint.get("path"));
    assertEquals("http", endpoint.get("port"));
    assertEquals(Map.of("type", "Bearer", "credentials", Map.of("name", "beear-security", "key", "metrics-key")),
        endpoint.get("authorization"), "scrapes with the metrics key from the Secret");

    Map<String, Object> selector = cast(at(monitor, "spec", "selector", "matchLabels"));
    for (String service : List.of("beear", "beear-worker")) {
      Map<String, Object> labels = cast(at(manifests.get("Service", service), "metadata", "labels"));
      assertTrue(labels.entrySet().containsAll(selector.entrySet()), service + " not selected by " + selector);
      assertTrue(list(at(manifests.get("Service", service), "spec", "ports")).stream()
          .anyMatch(p -> "http".equals(p.get("name"))), service + " has no http port");
    }
  }

  @Test
  void dashboardConfigMapCarriesTheComposeDashboardForGrafanasSidecar() throws Exception {
    Path dockerCopy = Path.of("docker/grafana/dashboards/beear.json");
    assertArrayEquals(Files.readAllBytes(dockerCopy), Files.readAllBytes(CHART.resolve("dashboards/beear.json")),
        "helm/beear/dashboards/beear.json must be a copy of " + dockerCopy);

    Map<String, Object> configMap = render(t -> t).get("ConfigMap", "beear-dashboard");
    assertEquals("1", at(configMap, "metadata", "labels", "grafana_dashboard"));
    String json = (String) at(configMap, "data", "beear.json");
    ObjectMapper mapper = new ObjectMapper();
    assertEquals(mapper.readTree(dockerCopy.toFile()), mapper.readTree(json));
  }

  @Test
  void chartCreatesRandomKeysKeptOnUpgradeAndWiresThemByRole() {
    RenderedManifests manifests = render(t -> t);
    Map<String, Object> secret = manifests.get("Secret", "beear-security");
    assertEquals("keep", at(secret, "metadata", "annotations", "helm.sh/resource-policy"), "survives helm uninstall");
    Map<String, String> keys = decoded(secret);
    assertEquals(Set.of("bootstrap-key", "metrics-key", "secrets-key", "attestation-signing-key"), keys.keySet());
    assertTrue(org.beear.attest.SigningKey.fromPem(keys.get("attestation-signing-key"), "the chart's key").keyId()
        .matches("[0-9a-f]{64}"), "an Ed25519 private key as beear reads one");
    assertTrue(API_KEY.matcher(keys.get("bootstrap-key")).matches(), keys.get("bootstrap-key"));
    assertTrue(API_KEY.matcher(keys.get("metrics-key")).matches(), keys.get("metrics-key"));
    assertNotEquals(keys.get("bootstrap-key"), keys.get("metrics-key"));
    assertEquals(32, Base64.getDecoder().decode(keys.get("secrets-key")).length, "AES-256 key, base64");
    assertNotEquals(keys, decoded(render(t -> t).get("Secret", "beear-security")), "random per install");
    // Keep-on-upgrade: the template reads the live Secret back (lookup) before generating anything.
    String template = readChartFile("templates/security-secret.yaml");
    assertTrue(template.contains("lookup \"v1\" \"Secret\" .Release.Namespace $name"), template);
    assertTrue(readChartFile("values.yaml").contains("\n  lookupGeneratedKeys: true\n"), "look-up on by default");

    Map<String, Object> api = onlyContainer(manifests.get("Deployment", "beear-api"));
    assertEquals(secretRef("beear-security", "bootstrap-key"), secretRefOf(api, "BEEAR_SECURITY_BOOTSTRAP_KEY"));
    assertEquals(secretRef("beear-security", "metrics-key"), secretRefOf(api, "BEEAR_SECURITY_METRICS_KEY"));
    assertEquals(secretRef("beear-security", "secrets-key"), secretRefOf(api, "BEEAR_SECURITY_SECRETS_KEY"));
    Map<String, Object> worker = onlyContainer(manifests.get("Deployment", "beear-worker"));
    assertEquals(secretRef("beear-security", "secrets-key"), secretRefOf(worker, "BEEAR_SECURITY_SECRETS_KEY"),
        "workers decrypt what the API encrypted: the same Secret key");
    assertEquals(secretRef("beear-security", "attestation-signing-key"),
        secretRefOf(worker, "BEEAR_ATTESTATION_SIGNING_KEY"), "workers sign with the key whose public key the API serves");
    assertEquals(secretRef("beear-security", "attestation-signing-key"),
        secretRefOf(api, "BEEAR_ATTESTATION_SIGNING_KEY"));
    for (String adminOnly : List.of("BEEAR_SECURITY_BOOTSTRAP_KEY", "BEEAR_SECURITY_METRICS_KEY", "BEEAR_SECURITY_OIDC_ISSUER")) {
      assertTrue(list(worker.get("env")).stream().noneMatch(e -> adminOnly.equals(e.get("name"))), "worker has " + adminOnly);
    }
    // No key appears in clear anywhere but the Secret.
    String rendered = renderYaml(t -> t);
    for (String key : keysOf(rendered)) {
      assertEquals(1, occurrences(rendered, Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8))));
    }
    assertFalse(rendered.contains("bk_"), "no API key in clear in any manifest");
  }

  @Test
  void existingSecretAndOidcSettings() {
    RenderedManifests manifests = render(t -> t.set("security.existingSecret", "my-keys")
        .set("security.oidc.issuer", "https://login.example.com/realms/beear")
        .set("security.oidc.audience", "beear"));
    assertTrue(manifests.find("Secret", "beear-security").isEmpty(), "no chart Secret next to an existing one");
    Map<String, Object> api = onlyContainer(manifests.get("Deployment", "beear-api"));
    assertEquals(secretRef("my-keys", "bootstrap-key"), secretRefOf(api, "BEEAR_SECURITY_BOOTSTRAP_KEY"));
    assertEquals(secretRef("my-keys", "secrets-key"),
        secretRefOf(onlyContainer(manifests.get("Deployment", "beear-worker")), "BEEAR_SECURITY_SECRETS_KEY"));
    assertEquals("https://login.example.com/realms/beear", envValue(api, "BEEAR_SECURITY_OIDC_ISSUER"));
    assertEquals("beear", envValue(api, "BEEAR_SECURITY_OIDC_AUDIENCE"));
    // Unset settings come from optional keys of the same Secret, so a Secret can carry them instead.
    Map<String, Object> jwks = cast(at(env(api, "BEEAR_SECURITY_OIDC_JWK_SET_URI"), "valueFrom", "secretKeyRef"));
    assertEquals(Map.of("name", "my-keys", "key", "oidc-jwk-set-uri", "optional", true), jwks);
    assertEquals("oidc-tenant-claim", at(env(api, "BEEAR_SECURITY_OIDC_TENANT_CLAIM"), "valueFrom", "secretKeyRef", "key"));
    assertEquals("oidc-roles-claim", at(env(api, "BEEAR_SECURITY_OIDC_ROLES_CLAIM"), "valueFrom", "secretKeyRef", "key"));

    assertRejected(t -> t.set("security.oidc.issuer", "http://login.example.com"), "issuer");
    assertRejected(t -> t.set("security.keys.secretsKey", "a key"), "secretsKey");
  }

  @Test
  void theHubEndpointAndTokenReachTheWorkersOnly() {
    Map<String, Object> plain = onlyContainer(render(t -> t).get("Deployment", "beear-worker"));
    assertTrue(list(plain.get("env")).stream()
        .noneMatch(e -> String.valueOf(e.get("name")).startsWith("BEEAR_SOURCES_HUB")),
        "defaults: the application's own (huggingface.co, no token)");

    RenderedManifests manifests = render(t -> t.set("sources.hub.endpoint", "https://hub.internal.example")
        .set("sources.hub.existingSecret", "beear-hub"));
    Map<String, Object> worker = onlyContainer(manifests.get("Deployment", "beear-worker"));
    assertEquals("https://hub.internal.example", envValue(worker, "BEEAR_SOURCES_HUB_ENDPOINT"));
    assertEquals(secretRef("beear-hub", "token"), secretRefOf(worker, "BEEAR_SOURCES_HUB_TOKEN"));
    Map<String, Object> api = onlyContainer(manifests.get("Deployment", "beear-api"));
    assertTrue(list(api.get("env")).stream().noneMatch(e -> "BEEAR_SOURCES_HUB_TOKEN".equals(e.get("name"))),
        "the API fetches no model: it holds no hub token");

    assertRejected(t -> t.set("sources.hub.endpoint", "https://user:pw@hub.example"), "endpoint");
    assertRejected(t -> t.set("sources.hub.token", "hf_x"), "token");
  }

  @Test
  void workersReachDnsTheDatabaseAndTheInternetButNoPrivateOrMetadataAddress() {
    RenderedManifests manifests = render(t -> t);
    Map<String, Object> policy = manifests.get("NetworkPolicy", "beear-worker");
    assertEquals(Map.of("app.kubernetes.io/name", "beear", "app.kubernetes.io/instance", "beear",
        "app.kubernetes.io/component", "worker"), at(policy, "spec", "podSelector", "matchLabels"));
    assertEquals(List.of("Ingress", "Egress"), at(policy, "spec", "policyTypes"));
    EgressPolicy egress = new EgressPolicy(policy);

    assertTrue(egress.admits("93.184.216.34", 443, "TCP"), "a public model host");
    assertTrue(egress.admits("2606:2800:220:1::1", 443, "TCP"), "a public IPv6 model host");
    for (String internal : List.of("169.254.169.254", "169.254.170.2", "10.96.0.1", "10.0.0.5", "172.16.3.4",
        "172.31.255.254", "192.168.1.1", "100.64.0.1", "100.127.255.1", "fd00:ec2::254", "fe80::1")) {
      assertFalse(egress.admits(internal, 80, "TCP"), internal + " (private, CGNAT or link-local) is reachable");
      assertFalse(egress.admits(internal, 443, "TCP"), internal);
    }
    assertFalse(egress.allowsEveryDestinationOnSomePort(), "no rule without 'to'");
    assertTrue(egress.admitsPeer(Map.of("namespaceSelector", Map.of(), "podSelector",
        Map.of("matchLabels", Map.of("k8s-app", "kube-dns"))), 53, "UDP"), "DNS");
    Map<String, Object> postgres = Map.of("podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "postgresql")));
    assertTrue(egress.admitsPeer(postgres, 5432, "TCP"), "the database");
    assertFalse(egress.admitsPeer(postgres, 22, "TCP"));

    // Ingress: the HTTP port only, on both roles.
    for (String name : List.of("beear-api", "beear-worker")) {
      List<Map<String, Object>> ingress = list(at(manifests.get("NetworkPolicy", name), "spec", "ingress"));
      assertEquals(1, ingress.size());
      assertEquals(List.of(Map.of("port", "http", "protocol", "TCP")), ingress.get(0).get("ports"), name);
    }
    assertEquals(List.of("Ingress"), at(manifests.get("NetworkPolicy", "beear-api"), "spec", "policyTypes"));
    assertEquals(8080, list(onlyContainer(manifests.get("Deployment", "beear-api")).get("ports")).get(0).get("containerPort"));
  }

  @Test
  void egressAllowReachesTheWorkersAndTheirNetworkPolicy() {
    RenderedManifests manifests = render(t -> t.set("sources.egressAllow[0]", "10.20.0.0/16")
        .set("sources.egressAllow[1]", "192.168.7.7").set("sources.egressAllow[2]", "mirror.internal")
        .set("database.url", "jdbc:postgresql://pgbouncer:6432/beear"));
    for (String role : List.of("beear-api", "beear-worker")) {
      assertEquals("10.20.0.0/16,192.168.7.7,mirror.internal",
          envValue(onlyContainer(manifests.get("Deployment", role)), "BEEAR_SOURCES_EGRESS_ALLOW"));
    }
    EgressPolicy egress = new EgressPolicy(manifests.get("NetworkPolicy", "beear-worker"));
    assertTrue(egress.admits("10.20.3.4", 443, "TCP"));
    assertTrue(egress.admits("192.168.7.7", 443, "TCP"));
    assertFalse(egress.admits("192.168.7.8", 443, "TCP"));
    assertFalse(egress.admits("169.254.169.254", 80, "TCP"));
    Map<String, Object> postgres = Map.of("podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "postgresql")));
    assertTrue(egress.admitsPeer(postgres, 6432, "TCP"), "the port of database.url");

    EgressPolicy offline = new EgressPolicy(render(t -> t.set("networkPolicy.worker.internet.enabled", false))
        .get("NetworkPolicy", "beear-worker"));
    assertFalse(offline.admits("93.184.216.34", 443, "TCP"), "internet egress off: file:// models only");

    RenderedManifests off = render(t -> t.set("networkPolicy.enabled", false));
    assertTrue(off.ofKind("NetworkPolicy").isEmpty());
    assertRejected(t -> t.set("networkPolicy.worker.internet.except[0]", "10.0.0.0"), "except");
  }

  @Test
  void s3SettingsReachBothRolesWithTheCredentialsFromTheirSecretOnly() {
    RenderedManifests manifests = render(t -> t.set("sources.s3.endpoint", "http://minio.storage:9000")
        .set("sources.s3.pathStyle", true).set("sources.s3.existingSecret", "beear-s3"));
    for (String role : List.of("beear-api", "beear-worker")) {
      Map<String, Object> container = onlyContainer(manifests.get("Deployment", role));
      assertEquals("http://minio.storage:9000", envValue(container, "BEEAR_SOURCES_S3_ENDPOINT"));
      assertEquals("true", envValue(container, "BEEAR_SOURCES_S3_PATH_STYLE"));
      assertEquals("us-east-1", envValue(container, "BEEAR_SOURCES_S3_REGION"));
      assertEquals(secretRef("beear-s3", "access-key-id"), secretRefOf(container, "BEEAR_SOURCES_S3_ACCESS_KEY_ID"));
      assertEquals(secretRef("beear-s3", "secret-access-key"),
          secretRefOf(container, "BEEAR_SOURCES_S3_SECRET_ACCESS_KEY"));
    }
    Map<String, Object> anonymous = onlyContainer(render(t -> t).get("Deployment", "beear-worker"));
    assertTrue(list(anonymous.get("env")).stream().noneMatch(e -> String.valueOf(e.get("name"))
        .matches("BEEAR_SOURCES_S3_(ENDPOINT|ACCESS_KEY_ID|SECRET_ACCESS_KEY)")), "AWS, anonymous, by default");
    assertRejected(t -> t.set("sources.s3.endpoint", "http://minio:9000/bucket"), "endpoint");
    assertRejected(t -> t.set("sources.s3.secretAccessKey", "in clear"), "secretAccessKey");
  }

  @Test
  void chartDeploysNoGrafanaSoItHasNoGrafanaPassword() {
    String rendered = renderYaml(t -> t.set("monitoring.serviceMonitor.enabled", true));
    assertFalse(rendered.contains("GF_SECURITY_ADMIN_PASSWORD"));
    assertFalse(rendered.toLowerCase(java.util.Locale.ROOT).contains("admin-password"));
    assertEquals(Set.of("ConfigMap"), render(t -> t).all().stream()
        .filter(o -> String.valueOf(at(o, "metadata", "name")).contains("dashboard"))
        .map(o -> (String) o.get("kind")).collect(java.util.stream.Collectors.toSet()), "the dashboard only");
  }

  @Test
  void grafanaDatasourceConnectsAsTheReadOnlyRoleWithAPasswordFromItsSecret() throws Exception {
    RenderedManifests manifests = render(t -> t);
    Map<String, Object> configMap = manifests.get("ConfigMap", "beear-grafana-datasource");
    assertEquals("1", at(configMap, "metadata", "labels", "grafana_datasource"), "the datasource sidecar's label");
    Map<String, Object> datasource = onlyDatasource(configMap);
    assertEquals(GrafanaDashboard.POSTGRES_UID, datasource.get("uid"), "the uid the dashboard's SQL panels name");
    assertEquals("grafana-postgresql-datasource", datasource.get("type"));
    assertEquals("beear-postgresql:5432", datasource.get("url"), "database.url's host and port");
    assertEquals("beear_grafana", datasource.get("user"));
    assertEquals("beear", at(datasource, "jsonData", "database"));
    assertEquals("$__file{/etc/secrets/beear-grafana-db/password}", at(datasource, "secureJsonData", "password"),
        "Grafana reads the password from the Secret mounted into its pod");

    Map<String, String> password = decoded(manifests.get("Secret", "beear-grafana-db"));
    assertEquals(Set.of("password"), password.keySet());
    assertTrue(password.get("password").matches("[A-Za-z0-9]{24}"), password.get("password"));
    assertNotEquals(password, decoded(render(t -> t).get("Secret", "beear-grafana-db")), "random per install");
    String rendered = renderYaml(t -> t);
    assertFalse(rendered.contains(password.get("password")), "the password in clear nowhere");
    assertTrue(readChartFile("templates/grafana-datasource.yaml").contains("lookup \"v1\" \"Secret\""),
        "kept on upgrade");
    assertTrue(manifests.ofKind("Job").isEmpty(), "the role Job is opt-in");

    // Another database, a Grafana before 11, an existing Secret: all follow the values.
    RenderedManifests custom = render(t -> t.set("database.url", "jdbc:postgresql://pg.example.com:6432/jobs?ssl=true")
        .set("monitoring.datasource.type", "postgres").set("monitoring.datasource.sslmode", "verify-full")
        .set("monitoring.datasource.existingSecret", "grafana-db").set("monitoring.datasource.namespace", "monitoring"));
    Map<String, Object> other = custom.get("ConfigMap", "beear-grafana-datasource");
    assertEquals("monitoring", at(other, "metadata", "namespace"));
    Map<String, Object> otherSource = onlyDatasource(other);
    assertEquals("pg.example.com:6432", otherSource.get("url"));
    assertEquals("jobs", at(otherSource, "jsonData", "database"));
    assertEquals("postgres", otherSource.get("type"));
    assertEquals("verify-full", at(otherSource, "jsonData", "sslmode"));
    assertTrue(custom.find("Secret", "beear-grafana-db").isEmpty(), "no chart Secret next to an existing one");
    assertRejected(t -> t.set("monitoring.datasource.sslmode", "prefer-maybe"), "sslmode");

    assertTrue(render(t -> t.set("monitoring.datasource.enabled", false)).find("ConfigMap", "beear-grafana-datasource")
        .isEmpty());
  }

  @Test
  void roleJobRunsTheComposeRoleScriptAgainstTheServicesDatabase() throws Exception {
    assertArrayEquals(Files.readAllBytes(Path.of("docker/postgres/init-roles.sh")),
        Files.readAllBytes(CHART.resolve("files/init-roles.sh")),
        "helm/beear/files/init-roles.sh must be a copy of docker/postgres/init-roles.sh");
    RenderedManifests manifests = render(t -> t.set("monitoring.datasource.roleJob.enabled", true)
        .set("database.url", "jdbc:postgresql://db.internal/beear"));
    Map<String, Object> job = manifests.get("Job", "beear-grafana-role-1");
    assertEquals("grafana-role", at(job, "spec", "template", "metadata", "labels", "app.kubernetes.io/component"),
        "not selected by the API's or the workers' NetworkPolicy");
    Map<String, Object> container = onlyJobContainer(job);
    assertEquals(List.of("sh", "-c", Files.readString(Path.of("docker/postgres/init-roles.sh"))), container.get("command"));
    assertEquals("db.internal", envValue(container, "PGHOST"));
    assertEquals("5432", envValue(container, "PGPORT"), "PostgreSQL's port when database.url names none");
    assertEquals("beear", envValue(container, "PGDATABASE"));
    assertEquals(Map.of("name", "beear-db", "key", "username"), at(env(container, "PGUSER"), "valueFrom", "secretKeyRef"));
    assertEquals(Map.of("name", "beear-db", "key", "password"), at(env(container, "PGPASSWORD"), "valueFrom", "secretKeyRef"));
    String passwordFile = envValue(container, "GRAFANA_DB_PASSWORD_FILE");
    Map<String, Object> mount = list(container.get("volumeMounts")).get(0);
    assertEquals(Path.of((String) mount.get("mountPath")).resolve("password"), Path.of(passwordFile));
    Map<String, Object> volume = list(at(job, "spec", "template", "spec", "volumes")).get(0);
    assertEquals(mount.get("name"), volume.get("name"));
    assertEquals("beear-grafana-db", at(volume, "secret", "secretName"), "the password Grafana reads");
    assertEquals(true, at(job, "spec", "template", "spec", "securityContext", "runAsNonRoot"));

    Map<String, Object> admin = onlyJobContainer(render(t -> t.set("monitoring.datasource.roleJob.enabled", true)
        .set("monitoring.datasource.roleJob.adminSecret", "pg-admin")).get("Job", "beear-grafana-role-1"));
    assertEquals(Map.of("name", "pg-admin", "key", "username"), at(env(admin, "PGUSER"), "valueFrom", "secretKeyRef"),
        "a user that may create roles, when the service's may not");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> onlyDatasource(Map<String, Object> configMap) {
    Map<String, Object> file = new org.yaml.snakeyaml.Yaml().load((String) at(configMap, "data", "beear-datasource.yaml"));
    List<Map<String, Object>> datasources = (List<Map<String, Object>>) file.get("datasources");
    assertEquals(1, datasources.size());
    return datasources.get(0);
  }

  private static Map<String, Object> onlyJobContainer(Map<String, Object> job) {
    List<Map<String, Object>> containers = list(at(job, "spec", "template", "spec", "containers"));
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  private static Map<String, String> decoded(Map<String, Object> secret) {
    Map<String, String> values = new java.util.TreeMap<>();
    cast(secret.get("data")).forEach((k, v) ->
        values.put(k, new String(Base64.getDecoder().decode((String) v), StandardCharsets.UTF_8)));
    return values;
  }

  private static List<String> keysOf(String rendered) {
    return new ArrayList<>(decoded(new RenderedManifests(rendered).get("Secret", "beear-security")).values());
  }

  private static int occurrences(String text, String needle) {
    int count = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      count++;
    }
    return count;
  }

  private static Map<String, Object> secretRef(String name, String key) {
    return Map.of("name", name, "key", key);
  }

  private static Map<String, Object> secretRefOf(Map<String, Object> container, String env) {
    Map<String, Object> entry = env(container, env);
    assertNull(entry.get("value"), env + " must not be a literal");
    return cast(at(entry, "valueFrom", "secretKeyRef"));
  }

  private static String readChartFile(String path) {
    try {
      return Files.readString(CHART.resolve(path));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void assertRejected(UnaryOperator<TemplateCommand> values, String expectedInMessage) {
    Exception error = assertThrows(Exception.class, () -> render(values));
    assertTrue(error.getMessage().contains(expectedInMessage),
        "expected '" + expectedInMessage + "' in: " + error.getMessage());
  }

  private static RenderedManifests render(UnaryOperator<TemplateCommand> values) {
    return new RenderedManifests(renderYaml(values));
  }

  /**
   * helm-java's template renders with dry-run "none", so `lookup` would ask a cluster at localhost:8080 and fail
   * (real `helm template` answers it with nothing). Every render therefore turns the chart-created Secret's
   * look-up off; {@link #chartCreatesRandomKeysKeptOnUpgradeAndWiresThemByRole} checks that it is on by default.
   */
  private static String renderYaml(UnaryOperator<TemplateCommand> values) {
    TemplateCommand command = new Helm(CHART).template().withName(RELEASE).withNamespace("beear")
        .withKubeVersion(KUBE_VERSION).set("security.lookupGeneratedKeys", false);
    return values.apply(command).call();
  }
}
