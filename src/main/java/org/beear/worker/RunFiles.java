package org.beear.worker;

import java.io.IOException;
import java.nio.file.Path;
import org.beear.job.Job;
import org.beear.source.FetchedModel;
import org.beear.source.FileUriException;
import org.beear.source.ShownPaths;
import org.beear.source.SourceException;

/**
 * The files one run reads and writes, each checked for the job's tenant as its submission was (a row may be older
 * than the rules, or a file may have changed since): the model (and a scan's reference), the data sets, the output
 * directory. A {@code file://} refusal names its field, as the submission's 400 would; the local paths they resolve
 * to are shown in the job's error as the URIs the job names, everything else of the data directory as
 * {@code <data-dir>}.
 */
final class RunFiles {

  private final WorkerContext ctx;
  private final ModelDownloads downloads;
  private final ShownPaths shown;

  RunFiles(WorkerContext ctx, ModelDownloads downloads) {
    this.ctx = ctx;
    this.downloads = downloads;
    this.shown = ShownPaths.withDataDir(ctx.properties().dataDir());
  }

  /** The job's own URIs appear in its errors as they are. */
  void echo(Job job) {
    shown.keep(job.getModelUri(), job.getReferenceUri(), job.getOutputUri(), job.getDefenderDataUri(),
        job.getAnchoringDataUri());
  }

  /** The job's model, fetched (the original URI, unsealed). */
  FetchedModel model(Job job) throws IOException {
    FetchedModel model = field("model_uri", () -> downloads.fetch(ctx.modelUris().forFetch(job), job.getTenant()));
    shown.with(model.directory(), job.getModelUri());
    return model;
  }

  /** A scan's reference model's directory, fetched; null when the scan has none. */
  Path reference(Job job) throws IOException {
    String uri = ctx.modelUris().referenceForFetch(job);
    if (uri == null) {
      return null;
    }
    Path dir = field("reference_uri", () -> downloads.fetch(uri, job.getTenant())).directory();
    shown.with(dir, job.getReferenceUri());
    return dir;
  }

  Path defenderData(Job job) throws IOException {
    return dataSet("defender_data_uri", job.getDefenderDataUri(), job.getTenant());
  }

  Path anchoringData(Job job) throws IOException {
    return dataSet("anchoring_data_uri", job.getAnchoringDataUri(), job.getTenant());
  }

  private Path dataSet(String field, String uri, String tenant) throws IOException {
    Path file = field(field, () -> ctx.dataFiles().resolve(uri, tenant));
    shown.with(file, uri);
    return file;
  }

  /**
   * The directory the engine writes the cleansed model to. One outside the data directory is shown as the job's
   * {@code output_uri}; the default (or an s3:// output's staging directory) as {@code <data-dir>/outputs/<id>}.
   */
  Path output(Job job) throws IOException {
    Path dir = field("output_uri", () -> ctx.outputs().localDirectory(job.getId(), job.getTenant(),
        job.getOutputUri()));
    Path dataDir = ctx.properties().dataDir();
    if (!dir.startsWith(dataDir.toAbsolutePath().normalize()) && !dir.startsWith(ShownPaths.real(dataDir))) {
      shown.with(dir, job.getOutputUri());
    }
    return dir;
  }

  /** A message for the job's error: no local path of the service's in it. */
  String shown(String message) {
    return shown.in(message);
  }

  private static <T> T field(String field, Step<T> step) throws IOException {
    try {
      return step.get();
    } catch (FileUriException e) {
      throw new SourceException(field + ": " + e.getMessage(), e);
    }
  }

  private interface Step<T> {
    T get() throws IOException;
  }
}
