package org.beear.policy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.files.DurableFiles;
import org.beear.files.JsonDocuments;

/**
 * Adds a policy and its outcome to a result document the engine wrote (report.json, scan.json) as {@code policy}
 * and {@code policy_outcome}, the names the job shows them by. The document is replaced whole, atomically.
 */
public final class ReportAmendment {
  private ReportAmendment() {}

  public static void add(Path document, Policy policy, PolicyOutcome outcome) {
    try {
      Map<String, Object> m = new ObjectMapper().readValue(document.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
      m.put("policy", policy.toMap());
      m.put("policy_outcome", outcome.toMap());
      DurableFiles.writeAtomically(document, JsonDocuments.write(m).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot add the policy's outcome to " + document + ": " + e.getMessage(), e);
    }
  }
}
