package org.beear.beear;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.beear.settings.CleanseSettings;
import org.beear.plan.MemoryPlan;

/**
 * The settings a cleanse will run with and their memory plan.
 *
 * @param fitted true when the planner chose memory settings the options left open
 */
public record CleansePlan(CleanseSettings settings, MemoryPlan memory, boolean fitted) {

  public boolean fits() {
    return memory.fits();
  }

  /**
   * The plan as a JSON document (snake_case keys, sizes in bytes): what {@code beear plan --json}, the REST plan
   * endpoint, a refused submission's problem and report.json show.
   */
  public Map<String, Object> describe() {
    MemoryPlan m = memory;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("fits", m.fits());
    out.put("fitted", fitted);
    out.put("verdict", m.verdict());
    out.put("device", m.device().kind());
    out.put("device_memory_bytes", m.device().memoryBytes());
    out.put("required_bytes", m.requiredBytes());
    out.put("peak_bytes", m.peakBytes());
    out.put("peak_phase", m.peakPhase());
    out.put("runtime_bytes", m.runtimeBytes());
    out.put("margin_bytes", m.marginBytes());
    out.put("parameters", m.parameters());
    out.put("trained_parameters", m.trainedParameters());
    List<Map<String, Object>> parts = new ArrayList<>();
    for (MemoryPlan.Part p : m.parts()) {
      parts.add(Map.of("name", p.name(), "bytes", p.bytes(), "note", p.note()));
    }
    out.put("parts", parts);
    List<Map<String, Object>> phases = new ArrayList<>();
    for (MemoryPlan.Phase p : m.phases()) {
      phases.add(Map.of("name", p.name(), "bytes", p.bytes(), "parts", p.parts()));
    }
    out.put("phases", phases);
    out.put("settings", settings.toOptions().toMap());
    return out;
  }
}
