package org.beear.source;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.files.PlainFiles;
import org.springframework.stereotype.Component;

/**
 * A model directory already on this machine that the tenant may read ({@link AllowedRoots}). Its files must be
 * plain files: a symbolic link in it could name any file of the machine, and would be read, hashed into the job's
 * provenance and copied into the cleansed output.
 */
@Component
public class FileModelSource {

  private final AllowedRoots roots;

  public FileModelSource(AllowedRoots roots) {
    this.roots = roots;
  }

  /** The model's real directory, checked for the tenant at submission and again by the worker. */
  public Path directory(URI uri, String tenant) {
    Path dir = roots.readable(uri, tenant);
    if (!Files.isDirectory(dir)) {
      throw new FileUriException(AllowedRoots.shown(uri) + " is not a directory");
    }
    String problem;
    try {
      problem = PlainFiles.firstNonPlainEntry(dir).orElse(null);
    } catch (UncheckedIOException e) {
      throw new FileUriException(AllowedRoots.shown(uri) + " cannot be listed");
    }
    if (problem != null) {
      throw new FileUriException(AllowedRoots.shown(uri) + ": " + problem);
    }
    return dir;
  }
}
