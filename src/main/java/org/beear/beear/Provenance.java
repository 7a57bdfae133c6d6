package org.beear.beear;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.beear.files.FileDigest;

/**
 * What a cleanse read and what it wrote, so a cleansed model can be traced to the exact bytes it came from: the
 * model's source, and the SHA-256 and size of every input and output file. report.json and the job show the same
 * object.
 *
 * @param source  where the model came from; null when not known (the engine called without one)
 * @param inputs  the files read: the model's weights, config, tokenizer and template files, then the defender and
 *                anchoring data files when the caller gave them (by URI)
 * @param outputs every file of the output directory except report.json, which cannot hold its own digest; empty
 *                until the cleanse has written them
 */
public record Provenance(Source source, List<FileDigest> inputs, List<FileDigest> outputs) {

  /**
   * @param uri           the model URI as submitted, with any secrets shown as {@code ***}
   * @param revision      the commit a {@code hf://} revision resolved to
   * @param archiveSha256 the digest of a downloaded {@code http(s)://} archive
   */
  public record Source(String uri, String revision, @JsonProperty("archive_sha256") String archiveSha256) {}

  public Provenance {
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    outputs = outputs == null ? List.of() : List.copyOf(outputs);
  }

  public Provenance withOutputs(List<FileDigest> written) {
    return new Provenance(source, inputs, written);
  }
}
