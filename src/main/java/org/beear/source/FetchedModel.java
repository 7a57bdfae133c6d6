package org.beear.source;

import java.nio.file.Path;
import java.util.List;
import org.beear.files.FileDigest;

/**
 * A model made available on local disk.
 *
 * @param directory the Hugging Face model directory
 * @param sha256    hex digest of the downloaded archive, or null when nothing was downloaded
 * @param revision  the commit a {@code hf://} revision resolved to, or null for other sources
 * @param inputs    the digests of the directory's files that the engine reads ({@link ModelFileFilter}); filled in
 *                  by {@link ModelSources#fetch}, whatever the source
 */
public record FetchedModel(Path directory, String sha256, String revision, List<FileDigest> inputs) {

  public FetchedModel {
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
  }

  public FetchedModel(Path directory, String sha256) {
    this(directory, sha256, null, List.of());
  }

  FetchedModel withInputs(List<FileDigest> digests) {
    return new FetchedModel(directory, sha256, revision, digests);
  }
}
