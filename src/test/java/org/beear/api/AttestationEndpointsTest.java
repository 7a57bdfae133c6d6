package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.beear.app.ServiceTestBase;
import org.beear.attest.Attestations;
import org.beear.attest.Dsse;
import org.beear.attest.ModelSubjects;
import org.beear.attest.SigningKey;
import org.junit.jupiter.api.Test;

/**
 * A job's attestation on the API: signed with the service's key, served once the job succeeded, to its tenant
 * only, and it verifies against the job's output with the public key the service publishes.
 */
class AttestationEndpointsTest extends ServiceTestBase {

  @Test
  void aSucceededJobsAttestationVerifiesWithThePublishedKeyAndOnlyItsTenantSeesIt() throws Exception {
    String alice = key("submit", "tenant-a");
    HttpResponse<String> created = postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "options": {"max_epochs": 2, "inner_steps": 1}}"""
        .formatted(fileUri(model(uniqueName("attested")))), "Authorization", "Bearer " + alice);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = json(created).get("id").asText();
    String path = "/api/v1/cleanse-jobs/" + id + "/attestation";

    HttpResponse<String> early = get(path, alice);
    if (!json(get("/api/v1/cleanse-jobs/" + id, alice)).get("status").asText().equals("succeeded")) {
      assertThat(early.statusCode()).as("before it succeeded: " + early.body()).isEqualTo(404);
      assertThat(early.headers().firstValue("Content-Type")).hasValueSatisfying(
          t -> assertThat(t).startsWith("application/problem+json"));
    }
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (!json(get("/api/v1/cleanse-jobs/" + id, alice)).get("status").asText().equals("succeeded")) {
      assertThat(System.nanoTime()).as("job " + id + " never succeeded").isLessThan(deadline);
      Thread.sleep(50);
    }
    Path output = Path.of(URI.create(json(get("/api/v1/cleanse-jobs/" + id, alice)).get("output_uri").asText()));

    HttpResponse<String> served = get(path, alice);
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    assertThat(served.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("application/json"));
    HttpResponse<String> publicKey = get("/api/v1/attestation-key", alice);
    assertThat(publicKey.statusCode()).as(publicKey.body()).isEqualTo(200);
    assertThat(publicKey.body()).startsWith("-----BEGIN PUBLIC KEY-----\n");
    var key = SigningKey.publicKeyFromPem(publicKey.body(), "the service's key");
    assertThat(publicKey.headers().firstValue("Key-Id")).hasValue(SigningKey.keyId(key));

    Dsse.Envelope envelope = Dsse.parse(served.body(), "served");
    assertThat(Attestations.verify(envelope, key, output)).isEmpty();
    assertThat(envelope.signatures()).singleElement().extracting(Dsse.Sig::keyid).isEqualTo(SigningKey.keyId(key));
    JsonNode statement = mapper.readTree(Base64.getDecoder().decode(envelope.payload()));
    assertThat(statement.get("subject").findValuesAsText("name")).containsExactly("model.safetensors");
    assertThat(statement.at("/predicate/source/uri").asText()).startsWith("file:").contains("/models/attested-");
    assertThat(statement.at("/predicate/results/epochs").asInt()).isEqualTo(2);
    assertThat(statement.at("/predicate/policy").isNull()).isTrue();
    assertThat(Files.readString(output.resolve(ModelSubjects.ATTESTATION_FILE)).strip())
        .as("the file beside the model is what is served").isEqualTo(served.body().strip());

    Files.write(output.resolve("model.safetensors"), "other weights".getBytes());
    assertThat(Attestations.verify(envelope, key, output)).singleElement().asString()
        .startsWith("model.safetensors: SHA-256");

    String bob = key("read", "tenant-b");
    HttpResponse<String> other = get(path, bob);
    assertThat(other.statusCode()).as("another tenant's job is not found").isEqualTo(404);
    assertThat(other.body()).doesNotContain("signatures");
    assertThat(get("/api/v1/attestation-key", bob).body()).as("one key for the service").isEqualTo(publicKey.body());
    assertThat(sendAnonymously(java.net.http.HttpRequest.newBuilder(URI.create(url("/api/v1/attestation-key")))
        .GET().build()).statusCode()).as("like the rest of the API, a key is needed").isEqualTo(401);
  }

  @Test
  void theKeyIsCreatedOnceInTheDataDirectoryOwnerOnly() throws Exception {
    Path file = ROOT.resolve("data").resolve("attestation-signing.key");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(get("/api/v1/attestation-key").body()).isEqualTo(SigningKey.read(file).publicPem());
  }
}
