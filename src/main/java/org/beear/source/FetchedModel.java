package org.beear.source;

import java.nio.file.Path;

/**
 * A model made available on local disk.
 *
 * @param directory the Hugging Face model directory
 * @param sha256    hex digest of the downloaded archive, or null when nothing was downloaded
 */
public record FetchedModel(Path directory, String sha256) {}
