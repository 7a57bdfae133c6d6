package org.beear.files;

/**
 * One file a job read or wrote, as provenance records it.
 *
 * @param path   relative to its directory, with {@code /} separators (or, for a file outside the model, its URI)
 * @param sha256 lower-case hex digest of its content
 * @param bytes  its size
 */
public record FileDigest(String path, String sha256, long bytes) {}
