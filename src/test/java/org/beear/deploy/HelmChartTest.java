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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Lints and renders helm/beear with real Helm (helm-java) and checks what a cluster would receive. */
class HelmChartTest {
  private static final Path CHART = Path.of("helm/beear");
  private static final Path GPU_VALUES = CHART.resolve("values-gpu.yaml");
  private static final String RELEASE = "beear";
  private static final String GPU = "nvidia.com/gpu";
  /** helm template assumes Kubernetes 1.20 without a cluster; the chart requires 1.25+. */
  private static final String KUBE_VERSION = "1.30.0";

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
    assertEquals("1", envValue(workerContainer, "BEEAR_WORKER_SLOTS"));
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

    assertTrue(manifests.ofKind("Secret").isEmpty(), "credentials come from the existing Secret");
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
  void moreJobSlotsThanGpusIsRefused() {
    Exception error = assertThrows(Exception.class,
        () -> render(t -> t.withValuesFile(GPU_VALUES).set("worker.slots", 2)));
    assertTrue(error.getMessage().contains("one training job per device"), error.getMessage());
    // Two GPUs, two slots: fine, and the pod asks for both.
    RenderedManifests two = render(t -> t.withValuesFile(GPU_VALUES).set("worker.slots", 2).set("worker.gpu.count", 2));
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

  private static void assertRejected(UnaryOperator<TemplateCommand> values, String expectedInMessage) {
    Exception error = assertThrows(Exception.class, () -> render(values));
    assertTrue(error.getMessage().contains(expectedInMessage),
        "expected '" + expectedInMessage + "' in: " + error.getMessage());
  }

  private static RenderedManifests render(UnaryOperator<TemplateCommand> values) {
    String yaml = values.apply(new Helm(CHART).template().withName(RELEASE).withNamespace("beear").withKubeVersion(KUBE_VERSION)).call();
    return new RenderedManifests(yaml);
  }
}
