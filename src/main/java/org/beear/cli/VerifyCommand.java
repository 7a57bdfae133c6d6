package org.beear.cli;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.Callable;
import org.beear.attest.Attestations;
import org.beear.attest.Dsse;
import org.beear.attest.ModelSubjects;
import org.beear.attest.SigningKey;
import org.beear.source.LocalModelPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Checks a cleansed model against its signed attestation: the Ed25519 signature over the DSSE "
        + "envelope, and that the model directory's files are exactly the attested ones, with the same SHA-256 "
        + "digests (report.json and " + ModelSubjects.ATTESTATION_FILE + " are not model files).",
        "Exit status: 0 verified; 1 not verified (one line per problem); 2 unreadable input."})
final class VerifyCommand implements Callable<Integer> {
  @Option(names = "--attestation", required = true,
      description = "the DSSE envelope: " + ModelSubjects.ATTESTATION_FILE + " or a job's /attestation")
  Path attestation;

  @Option(names = "--model", required = true, description = "the cleansed model directory (path or file:// URI)")
  String model;

  @Option(names = "--public-key", required = true,
      description = "the signer's Ed25519 public key, PEM (the service's: GET /api/v1/attestation-key)")
  Path publicKey;

  @Override
  public Integer call() {
    Path modelDir = LocalModelPaths.fromCommandLine(model);
    PublicKey key = SigningKey.readPublicKey(publicKey);
    Dsse.Envelope envelope = Attestations.read(attestation);
    List<String> problems = Attestations.verify(envelope, key, modelDir);
    if (!problems.isEmpty()) {
      problems.forEach(p -> System.out.println("not verified: " + p));
      return 1;
    }
    System.out.println("verified: " + ModelSubjects.digests(modelDir).size() + " files of " + modelDir
        + " match the attestation signed by key " + SigningKey.keyId(key));
    return 0;
  }
}
