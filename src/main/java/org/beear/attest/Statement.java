package org.beear.attest;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.beear.files.FileDigest;
import org.beear.files.JsonDocuments;

/**
 * An in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md): what is attested (the
 * subjects, files by SHA-256) and what is said of them (the predicate, of type {@code predicateType}). The
 * Statement's own fields keep in-toto's names; the predicate speaks snake_case, as beear's documents do.
 */
public record Statement(
    @JsonProperty("_type") String type,
    @JsonProperty("subject") List<Subject> subject,
    @JsonProperty("predicateType") String predicateType,
    @JsonProperty("predicate") Object predicate) {

  public static final String TYPE = "https://in-toto.io/Statement/v1";
  /** The DSSE payload type of an in-toto statement. */
  public static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";

  /** A file, by its path relative to the model directory ({@code /}-separated) and its digests. */
  public record Subject(@JsonProperty("name") String name, @JsonProperty("digest") Map<String, String> digest) {
    static Subject of(FileDigest file) {
      return new Subject(file.path(), Map.of("sha256", file.sha256()));
    }
  }

  public Statement {
    subject = List.copyOf(subject);
  }

  /** The statement of a cleanse: the model's files as subjects, sorted by name, and what the cleanse did. */
  public static Statement of(List<FileDigest> modelFiles, CleansePredicate predicate) {
    List<Subject> subjects = modelFiles.stream()
        .sorted(java.util.Comparator.comparing(FileDigest::path)).map(Subject::of).toList();
    return new Statement(TYPE, subjects, CleansePredicate.TYPE, predicate);
  }

  /** The payload that is signed: the statement as one line of JSON, UTF-8. */
  public byte[] payload() {
    return JsonDocuments.line(this).getBytes(StandardCharsets.UTF_8);
  }
}
