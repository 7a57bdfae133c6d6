package org.beear.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.beear.Provenance;
import org.beear.files.FileDigest;
import org.beear.files.FileDigests;
import org.beear.job.Job;
import org.beear.net.UriRedaction;
import org.beear.source.FetchedModel;

/**
 * The provenance a run starts from: the model's source as the job shows it and the digests of what the engine
 * will read, the model's files (hashed by the source layer) and the defender and anchoring data files. The engine
 * adds its outputs' digests when it publishes them.
 */
final class RunProvenance {

  private RunProvenance() {}

  static Provenance of(Job job, FetchedModel model, Path defenderData, Path anchoringData)
      throws IOException {
    List<FileDigest> inputs = new ArrayList<>(model.inputs());
    add(inputs, job.getDefenderDataUri(), defenderData);
    add(inputs, job.getAnchoringDataUri(), anchoringData);
    return new Provenance(new Provenance.Source(UriRedaction.redact(job.getModelUri()), model.revision(),
        model.sha256()), inputs, List.of());
  }

  /** A data file outside the model directory goes by the URI it was given as. */
  private static void add(List<FileDigest> inputs, String uri, Path file) throws IOException {
    if (file != null) {
      inputs.add(new FileDigest(UriRedaction.redact(uri), FileDigests.sha256(file), Files.size(file)));
    }
  }
}
