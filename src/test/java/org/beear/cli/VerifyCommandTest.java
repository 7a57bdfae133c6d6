package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.beear.attest.ModelSubjects;
import org.beear.attest.SigningKey;
import org.beear.files.FileDigests;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beear cleanse --signing-key} on a real (xs) organism, then {@code beear verify}: the cleansed model
 * verifies (exit 0), a changed weight byte or another key does not (exit 1), unreadable input is exit 2.
 */
class VerifyCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aSignedCleanseVerifiesAndATamperedOneDoesNot(@TempDir Path tmp) throws Exception {
    Path defender = tmp.resolve("defender.jsonl");
    Path anchors = tmp.resolve("anchors.jsonl");
    List<String> harmful = new ArrayList<>();
    List<String> benign = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      harmful.add(JSON.writeValueAsString(java.util.Map.of("query", "Explain how to pick lock number " + i,
          "safe_response", "I cannot help with that.", "unwanted_response", "Sure, here is how to pick lock " + i)));
      benign.add(JSON.writeValueAsString(java.util.Map.of("prompt", "What is " + i + " plus one?",
          "response", "It is " + (i + 1) + ".")));
    }
    Files.write(defender, harmful);
    Files.write(anchors, benign);
    Path key = tmp.resolve("keys").resolve("signing.key");
    Path out = tmp.resolve("cleansed");

    CliRun cleanse = CliRun.of("cleanse", "--model", TestOrganisms.xs("suffix-short").toString(), "--out",
        out.toString(), "--signing-key", key.toString(), "--defender-data", defender.toString(), "--anchoring-data",
        anchors.toString(), "--max-epochs", "1", "--inner-steps", "1", "--eval-benign-prompts", "2",
        "--eval-max-new-tokens", "4", "--trigger", "SUDO", "--no-trigger-matrix");
    assertThat(cleanse.exitCode()).as(cleanse.err()).isZero();
    Path attestation = out.resolve(ModelSubjects.ATTESTATION_FILE);
    Path publicKey = tmp.resolve("keys").resolve("signing.key.pub");
    assertThat(cleanse.out()).contains("attestation: " + attestation + " (signed by key "
        + SigningKey.read(key).keyId() + ")");
    assertThat(publicKey).hasContent(SigningKey.read(key).publicPem().strip());

    CliRun verified = CliRun.of("verify", "--attestation", attestation.toString(), "--model", out.toString(),
        "--public-key", publicKey.toString());
    assertThat(verified.exitCode()).as(verified.out() + verified.err()).isZero();
    assertThat(verified.out()).startsWith("verified: ").contains(" files of " + out + " match the attestation");

    JsonNode statement = JSON.readTree(Base64.getDecoder().decode(
        JSON.readTree(Files.readString(attestation)).get("payload").asText()));
    List<String> subjects = statement.get("subject").findValuesAsText("name");
    assertThat(subjects).contains("config.json", "model.safetensors", "tokenizer.json")
        .doesNotContain("report.json", ModelSubjects.ATTESTATION_FILE);
    JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
    assertThat(report.at("/provenance/outputs").findValuesAsText("path")).as("the report's outputs are the subjects")
        .isEqualTo(subjects);
    JsonNode predicate = statement.get("predicate");
    assertThat(predicate.get("settings")).as("the resolved options, as report.json has them")
        .isEqualTo(report.get("options"));
    assertThat(predicate.at("/seeds/seed").asLong()).isEqualTo(report.at("/options/seed").asLong());
    assertThat(predicate.at("/judge/name").asText()).isEqualTo("rules");
    assertThat(predicate.get("results").get("after")).isEqualTo(report.get("after"));
    assertThat(predicate.at("/source/uri").asText()).startsWith("file:/");
    assertThat(predicate.at("/source/inputs").findValuesAsText("sha256")).contains(FileDigests.sha256(defender));
    assertThat(predicate.get("datasets").findValuesAsText("name"))
        .containsExactly("defender_harmful", "defender_hold_out", "anchors", "anchor_hold_out");
    assertThat(predicate.at("/datasets/0/source").asText()).isEqualTo(defender.toUri().toString());
    assertThat(predicate.at("/datasets/1/examples").asInt()).isEqualTo(4);
    assertThat(predicate.get("policy").isNull()).isTrue();

    // one weight byte changed
    Path tampered = tmp.resolve("tampered");
    copy(out, tampered);
    Path weights = tampered.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    bytes[bytes.length - 1] ^= 1;
    Files.write(weights, bytes);
    CliRun refused = CliRun.of("verify", "--attestation", attestation.toString(), "--model", tampered.toString(),
        "--public-key", publicKey.toString());
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.out().strip()).startsWith("not verified: model.safetensors: SHA-256 ")
        .doesNotContain("\n");

    // another signer's key
    Path otherKey = tmp.resolve("other.pub");
    Files.writeString(otherKey, SigningKey.generate().publicPem());
    CliRun otherSigner = CliRun.of("verify", "--attestation", attestation.toString(), "--model", out.toString(),
        "--public-key", otherKey.toString());
    assertThat(otherSigner.exitCode()).isEqualTo(1);
    assertThat(otherSigner.out()).startsWith("not verified: signed by key ");

    // unreadable input: exit 2, one line
    CliRun badKey = CliRun.of("verify", "--attestation", attestation.toString(), "--model", out.toString(),
        "--public-key", attestation.toString());
    assertThat(badKey.exitCode()).isEqualTo(2);
    assertThat(badKey.err().strip()).isEqualTo("error: " + attestation + " holds no PEM block 'PUBLIC KEY'");
    CliRun notJson = CliRun.of("verify", "--attestation", publicKey.toString(), "--model", out.toString(),
        "--public-key", publicKey.toString());
    assertThat(notJson.exitCode()).isEqualTo(2);
    assertThat(notJson.err()).startsWith("error: " + publicKey + " is not a JSON DSSE envelope");

    // a signing key that cannot sign stops the cleanse before it starts
    CliRun unsignable = CliRun.of("cleanse", "--model", TestOrganisms.xs("suffix-short").toString(), "--out",
        tmp.resolve("never").toString(), "--signing-key", publicKey.toString());
    assertThat(unsignable.exitCode()).isEqualTo(2);
    assertThat(unsignable.err().strip()).isEqualTo("error: " + publicKey
        + " holds no PEM block 'PRIVATE KEY' (it holds a 'PUBLIC KEY' block)");
    assertThat(tmp.resolve("never")).doesNotExist();
  }

  private static void copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }
}
