package org.beear.attest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.beear.files.DurableFiles;
import org.beear.files.FileDigest;

/**
 * Signed attestations of cleansed models: an in-toto {@link Statement} in a {@link Dsse} envelope signed with
 * Ed25519, written beside the model as {@value ModelSubjects#ATTESTATION_FILE}, and checked against a model
 * directory and a public key.
 */
public final class Attestations {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Attestations() {}

  /** The statement signed with {@code key}. */
  public static Dsse.Envelope sign(Statement statement, SigningKey key) {
    return Dsse.sign(Statement.PAYLOAD_TYPE, statement.payload(), key);
  }

  /**
   * Signs the statement of a cleansed model and writes it into {@code modelDir} as
   * {@value ModelSubjects#ATTESTATION_FILE} (one line), replacing any earlier one at once.
   *
   * @param modelFiles the digests of the model's files ({@link ModelSubjects}), as the cleanse computed them
   * @return the attestation file
   */
  public static Path write(Path modelDir, List<FileDigest> modelFiles, CleansePredicate predicate, SigningKey key) {
    Path file = modelDir.resolve(ModelSubjects.ATTESTATION_FILE);
    try {
      DurableFiles.writeAtomically(file,
          (sign(Statement.of(modelFiles, predicate), key).toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the attestation " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  /** The envelope in an attestation file. */
  public static Dsse.Envelope read(Path file) {
    try {
      return Dsse.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (NoSuchFileException e) {
      throw new UnreadableAttestationException("no attestation file " + file);
    } catch (IOException e) {
      throw new UnreadableAttestationException("cannot read the attestation " + file + ": " + e.getMessage());
    }
  }

  /**
   * Checks an attestation against a model directory: the signature is {@code key}'s over the envelope, the
   * payload is a beear cleanse statement, and the directory's files ({@link ModelSubjects}) are exactly its
   * subjects with the same SHA-256 digests, none missing, none added, no links.
   *
   * @return one sentence per problem; empty when the model is the one attested
   */
  public static List<String> verify(Dsse.Envelope envelope, PublicKey key, Path modelDir) {
    List<String> problems = new ArrayList<>(Dsse.signatureProblems(envelope, key));
    if (!Statement.PAYLOAD_TYPE.equals(envelope.payloadType())) {
      problems.add("the payload type is '" + envelope.payloadType() + "', not " + Statement.PAYLOAD_TYPE);
    }
    Map<String, String> attested = subjects(envelope, problems);
    if (attested == null) {
      return problems;
    }
    problems.addAll(linksIn(modelDir));
    Map<String, String> found = new HashMap<>();
    for (FileDigest file : ModelSubjects.digests(modelDir)) {
      found.put(file.path(), file.sha256());
    }
    for (String name : new TreeSet<>(attested.keySet())) {
      String digest = found.get(name);
      if (digest == null) {
        problems.add(name + ": attested but missing from the model directory");
      } else if (!digest.equals(attested.get(name))) {
        problems.add(name + ": SHA-256 " + digest + " differs from the attested " + attested.get(name));
      }
    }
    for (String name : new TreeSet<>(found.keySet())) {
      if (!attested.containsKey(name)) {
        problems.add(name + ": in the model directory but not attested");
      }
    }
    return problems;
  }

  /** The statement's subjects, name to SHA-256; null (with the problem added) when the payload is not one. */
  private static Map<String, String> subjects(Dsse.Envelope envelope, List<String> problems) {
    byte[] payload = envelope.payloadBytes().orElse(null);
    if (payload == null) {
      return null; // already a signature problem
    }
    JsonNode statement;
    try {
      statement = JSON.readTree(payload);
    } catch (IOException e) {
      problems.add("the payload is not JSON");
      return null;
    }
    if (statement == null || !Statement.TYPE.equals(statement.path("_type").asText())) {
      problems.add("the payload is not an in-toto statement (" + Statement.TYPE + ")");
      return null;
    }
    if (!CleansePredicate.TYPE.equals(statement.path("predicateType").asText())) {
      problems.add("the predicate type is '" + statement.path("predicateType").asText() + "', not "
          + CleansePredicate.TYPE);
    }
    Map<String, String> subjects = new HashMap<>();
    for (JsonNode subject : statement.path("subject")) {
      String name = subject.path("name").asText("");
      String sha256 = subject.path("digest").path("sha256").asText("");
      if (name.isEmpty() || !sha256.matches("[0-9a-f]{64}")) {
        problems.add("a subject without a name or a SHA-256 digest: " + subject);
      } else if (subjects.put(name, sha256) != null) {
        problems.add(name + ": attested twice");
      }
    }
    if (subjects.isEmpty()) {
      problems.add("the statement attests no files");
    }
    return subjects;
  }

  /** Links and special files anywhere in the model: a loader would follow or block on what a digest never read. */
  private static List<String> linksIn(Path modelDir) {
    try (Stream<Path> tree = Files.walk(modelDir)) {
      return tree.filter(p -> !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
              && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .map(p -> modelDir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/")
              + ": not a regular file (links are not attested)")
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + modelDir + ": " + e.getMessage(), e);
    }
  }
}
