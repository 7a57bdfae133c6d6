package org.beear.attest;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.beear.files.FileDigest;
import org.beear.files.FileDigests;

/**
 * Which files of a cleansed model directory an attestation's subjects are: every regular file in it and below,
 * except the two by-products beear writes at its top beside the model, report.json (written last, it cannot hold
 * its own digest) and the attestation itself. The signer and {@code beear verify} use this one rule, and the
 * digests of the written files that report.json and the job show ({@code provenance.outputs}) are the same list.
 */
public final class ModelSubjects {
  /** The attestation's file name in the output directory: in-toto's bundle form, one DSSE envelope per line. */
  public static final String ATTESTATION_FILE = "attestation.intoto.jsonl";
  public static final String REPORT_FILE = "report.json";
  private static final Set<String> BY_PRODUCTS = Set.of(REPORT_FILE, ATTESTATION_FILE);

  private ModelSubjects() {}

  /** Whether the file at this path relative to the model directory ({@code /}-separated) is a subject. */
  public static boolean isSubject(String relativePath) {
    return !BY_PRODUCTS.contains(relativePath);
  }

  /** The subjects' digests, sorted by path. Links are not followed (as {@link FileDigests#of}). */
  public static List<FileDigest> digests(Path modelDir) {
    return FileDigests.of(modelDir, ModelSubjects::isSubject, () -> false);
  }
}
