package org.beear.deploy;

import static org.beear.deploy.RenderedManifests.at;
import static org.beear.deploy.RenderedManifests.cast;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The compose files hang together (no Docker engine here to run them): every file they mount exists, the roles
 * are configured as the service expects, Prometheus scrapes the services compose defines, and Grafana's
 * provisioning points at what compose mounts.
 */
class ComposeStackTest {
  private static final Path DOCKER = Path.of("docker");

  @Test
  void apiAndWorkerShareTheDatabaseAndDataButOnlyTheWorkerTrains() throws IOException {
    Map<String, Object> services = services("compose.yaml");
    Map<String, Object> api = cast(services.get("beear-api"));
    Map<String, Object> worker = cast(services.get("beear-worker"));
    assertEquals("false", at(api, "environment", "BEEAR_WORKER_ENABLED"));
    assertEquals("true", at(worker, "environment", "BEEAR_WORKER_ENABLED"));
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

  private static Map<String, Object> services(String file) throws IOException {
    return cast(load(DOCKER.resolve(file)).get("services"));
  }

  private static Map<String, Object> load(Path file) throws IOException {
    return new Yaml().load(Files.readString(file));
  }
}
