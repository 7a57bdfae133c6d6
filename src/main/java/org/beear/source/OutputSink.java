package org.beear.source;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.beear.app.BeearProperties;
import org.beear.attest.ModelSubjects;
import org.beear.net.FetchCancelledException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.util.FileSystemUtils;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Where a job's cleansed model and report go. The engine always writes a local directory: a {@code file://}
 * output's own, or for an {@code s3://} output a staging directory {@code <data-dir>/outputs/<job id>}, whose files
 * {@link #publish} uploads ({@link S3Upload}) before the job may succeed. An upload that fails fails the job: the
 * SDK has already retried what a retry can cure (connections, throttling, 5xx), and what is left (a missing bucket,
 * denied access, a prefix someone else wrote to, an endpoint down for longer) would fail a re-run the same way,
 * after re-running the final evaluation. What the failed upload had put is removed, so the prefix is free for the
 * resubmission. The staging directory is removed once the upload ended either way.
 */
@Component
public class OutputSink {

  private static final Logger log = LoggerFactory.getLogger(OutputSink.class);
  private static final String REPORT = ModelSubjects.REPORT_FILE;
  /**
   * A report.json or an attestation is at most a few hundred kilobytes; a larger object under that name is not ours
   * to read into memory.
   */
  private static final long MAX_DOCUMENT_BYTES = 16L << 20;

  private final BeearProperties properties;
  private final S3Storage storage;
  private final AllowedRoots roots;

  public OutputSink(BeearProperties properties, S3Storage storage, AllowedRoots roots) {
    this.properties = properties;
    this.storage = storage;
    this.roots = roots;
  }

  /**
   * The directory the engine writes the job's output to. A {@code file://} output other than the job's default is
   * checked for the job's tenant again ({@link AllowedRoots#writable}: the row may have been queued before those
   * rules, or a job may since have claimed a location around it). For an {@code s3://} output the prefix is
   * checked first (it must hold nothing but this job's own objects), so a job never trains for hours to be refused
   * at the end.
   */
  public Path localDirectory(UUID jobId, String tenant, String outputUri) throws IOException {
    URI uri = URI.create(outputUri);
    if (!S3Location.isS3(uri)) {
      Path dir = Path.of(uri);
      if (!roots.isDefaultOutput(dir, jobId)) {
        dir = roots.writable(uri, tenant, jobId);
      }
      Files.createDirectories(dir.getParent());
      return dir;
    }
    S3Location location = S3Location.parse(uri);
    storage.checkEndpoint();
    try {
      new S3Upload(storage.client(), storage.properties(), location, jobId.toString()).requireFree();
    } catch (SdkException e) {
      log.warn("checking the output prefix {} failed", location, e);
      throw new SourceException("output check of " + location + " failed: " + S3Storage.describe(e));
    }
    Path staging = staging(jobId);
    Files.createDirectories(staging.getParent());
    return staging;
  }

  /**
   * Uploads an {@code s3://} output's staged files (nothing to do for a {@code file://} output, which the engine
   * wrote in place).
   *
   * @param stop asked between files and parts; true ends the upload with a {@link FetchCancelledException},
   *             leaving what was uploaded and the staging directory (a run that lost its lease must not touch what
   *             its successor is writing)
   * @throws SourceException when the upload failed, with a message for the job's error
   */
  public void publish(UUID jobId, String outputUri, BooleanSupplier stop) {
    URI uri = URI.create(outputUri);
    if (!S3Location.isS3(uri)) {
      return;
    }
    S3Location location = S3Location.parse(uri);
    Path staging = staging(jobId);
    S3Upload upload = new S3Upload(storage.client(), storage.properties(), location, jobId.toString());
    boolean stopped = false;
    try {
      upload.requireFree();
      upload.upload(staging, stop);
      log.info("job {}: output uploaded to {}", jobId, location);
    } catch (FetchCancelledException e) {
      stopped = true;
      throw e;
    } catch (SdkException e) {
      log.warn("job {}: uploading the output to {} failed", jobId, location, e);
      upload.removeUploaded();
      throw new SourceException("output upload to " + location + " failed: " + S3Storage.describe(e));
    } catch (IOException e) {
      log.warn("job {}: reading the staged output failed", jobId, e);
      upload.removeUploaded();
      throw new SourceException("output upload to " + location + " failed: the staged output could not be read");
    } catch (SourceException e) {
      upload.removeUploaded();
      throw new SourceException("output upload to " + location + " failed: " + e.getMessage());
    } finally {
      if (!stopped) {
        removeStaging(staging);
      }
    }
  }

  private static void removeStaging(Path staging) {
    try {
      FileSystemUtils.deleteRecursively(staging);
    } catch (IOException e) {
      log.warn("could not remove the staged output {}: {}", staging, e.toString());
    }
  }

  /**
   * The report.json of a job's output, read from its directory or its prefix; empty when there is none.
   *
   * @throws SourceException when the output location could not be read
   */
  public Optional<String> report(String outputUri) {
    return read(outputUri, REPORT, "report");
  }

  /**
   * The signed attestation of a job's output ({@value ModelSubjects#ATTESTATION_FILE}), read from its directory or
   * its prefix; empty when there is none.
   *
   * @throws SourceException when the output location could not be read
   */
  public Optional<String> attestation(String outputUri) {
    return read(outputUri, ModelSubjects.ATTESTATION_FILE, "attestation");
  }

  /** One of the small documents beear writes beside the model, by file name; {@code what} names it in messages. */
  private Optional<String> read(String outputUri, String name, String what) {
    URI uri = URI.create(outputUri);
    if (!S3Location.isS3(uri)) {
      try {
        return Optional.of(Files.readString(Path.of(uri).resolve(name)));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new SourceException("the " + what + " could not be read from the output directory");
      }
    }
    S3Location location = S3Location.parse(uri);
    try (var in = storage.client().getObject(b -> b.bucket(location.bucket()).key(location.key(name)))) {
      byte[] bytes = in.readNBytes((int) MAX_DOCUMENT_BYTES + 1);
      if (bytes.length > MAX_DOCUMENT_BYTES) {
        throw new SourceException(location.key(name) + " is larger than a " + what);
      }
      return Optional.of(new String(bytes, StandardCharsets.UTF_8));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      log.warn("reading the {} from {} failed", what, location, e);
      throw new SourceException("the " + what + " could not be read from " + location + ": "
          + S3Storage.describe(e));
    } catch (IOException e) {
      log.warn("reading the {} from {} failed", what, location, e);
      throw new SourceException("the " + what + " could not be read from " + location);
    }
  }

  private Path staging(UUID jobId) {
    return properties.defaultOutputDir(jobId.toString()).toAbsolutePath();
  }
}
