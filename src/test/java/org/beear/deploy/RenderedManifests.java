package org.beear.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.Yaml;

/** The Kubernetes objects of a `helm template` output, with the look-ups the chart tests need. */
final class RenderedManifests {
  private final List<Map<String, Object>> objects = new ArrayList<>();

  RenderedManifests(String multiDocumentYaml) {
    for (Object doc : new Yaml().loadAll(multiDocumentYaml)) {
      if (doc instanceof Map<?, ?> map) {
        objects.add(cast(map));
      }
    }
  }

  List<Map<String, Object>> all() {
    return objects;
  }

  List<Map<String, Object>> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  Optional<Map<String, Object>> find(String kind, String name) {
    return ofKind(kind).stream().filter(o -> name.equals(at(o, "metadata", "name"))).findFirst();
  }

  Map<String, Object> get(String kind, String name) {
    return find(kind, name).orElseThrow(() -> new AssertionError(
        "no " + kind + " named " + name + " in " + objects.stream().map(o -> o.get("kind") + "/" + at(o, "metadata", "name")).toList()));
  }

  /** The single container of a Deployment. */
  static Map<String, Object> onlyContainer(Map<String, Object> deployment) {
    List<Map<String, Object>> containers = list(at(deployment, "spec", "template", "spec", "containers"));
    assertEquals(1, containers.size(), "containers");
    return containers.get(0);
  }

  static Map<String, Object> podSpec(Map<String, Object> deployment) {
    return cast(at(deployment, "spec", "template", "spec"));
  }

  /** The env entry of a container by name (value or valueFrom). */
  static Map<String, Object> env(Map<String, Object> container, String name) {
    return list(container.get("env")).stream()
        .filter(e -> name.equals(e.get("name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no env " + name + " in " + container.get("env")));
  }

  static String envValue(Map<String, Object> container, String name) {
    Object value = env(container, name).get("value");
    assertTrue(value instanceof String, name + " has no literal value");
    return (String) value;
  }

  /** Walks nested maps; null when a key is missing. */
  static Object at(Object root, String... path) {
    Object current = root;
    for (String key : path) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(key);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Object map) {
    return (Map<String, Object>) map;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object list) {
    return list == null ? List.of() : (List<Map<String, Object>>) list;
  }
}
