package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.beear.app.ServiceTestBase;
import org.beear.app.SteppingCleanseEngine;
import org.beear.organism.TestOrganisms;
import org.beear.source.ModelFileFilter;
import org.beear.source.S3TestServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Jobs that read their model from {@code s3://} and write their output to {@code s3://}, through the REST API,
 * against the tests' S3 server on 127.0.0.1 (S3Proxy, which checks signatures and checksums as S3 does).
 */
class S3JobTest extends ServiceTestBase {

  private final S3TestServer server = S3TestServer.shared();
  private final S3Client s3 = server.client();
  private String bucket;

  @BeforeEach
  void bucket() {
    bucket = "jobs-" + UUID.randomUUID().toString().substring(0, 8);
    s3.createBucket(b -> b.bucket(bucket));
  }

  @Test
  void aModelUnderAnS3PrefixIsFetchedByTheWorkerAndItsDigestShownOnTheJob() throws Exception {
    Path organism = TestOrganisms.xs("suffix-short");
    TreeMap<String, String> sums = new TreeMap<>();
    try (Stream<Path> files = Files.list(organism)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        s3.putObject(b -> b.bucket(bucket).key("organisms/suffix-short/" + name), RequestBody.fromFile(file));
        if (ModelFileFilter.wanted(name)) {
          sums.put(name, hex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
        }
      }
    }
    assertThat(sums).containsKeys("config.json", "model.safetensors", "tokenizer.json")
        .doesNotContainKeys("attack.json", "README.md");
    StringBuilder manifest = new StringBuilder();
    sums.forEach((name, sha) -> manifest.append(sha).append("  ").append(name).append('\n'));

    String id = submit("""
        {"model_uri": "s3://%s/organisms/suffix-short", "options": {"max_epochs": 1, "inner_steps": 1}}"""
        .formatted(bucket));
    JsonNode done = awaitStatus(id, "succeeded");
    assertThat(done.get("model_uri").asText()).isEqualTo("s3://" + bucket + "/organisms/suffix-short");
    assertThat(done.get("model_sha256").asText()).isEqualTo(hex(MessageDigest.getInstance("SHA-256")
        .digest(manifest.toString().getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void theCleansedModelAndReportAreUploadedToTheOutputPrefixWithCheckedChecksums() throws Exception {
    engine.weightsBytes = 11 << 20; // three parts of the 5 MiB the tests configure
    Path model = model(uniqueName("to-s3"));
    String id = submit("""
        {"model_uri": "%s", "output_uri": "s3://%s/cleansed/run-1", "options": {"max_epochs": 1}}"""
        .formatted(fileUri(model), bucket));
    JsonNode done = awaitStatus(id, "succeeded");
    assertThat(done.get("output_uri").asText()).isEqualTo("s3://" + bucket + "/cleansed/run-1/");

    List<String> keys = s3.listObjectsV2(b -> b.bucket(bucket).prefix("cleansed/run-1/")).contents().stream()
        .map(S3Object::key).toList();
    assertThat(keys).containsExactlyInAnyOrder("cleansed/run-1/model.safetensors", "cleansed/run-1/report.json",
        "cleansed/run-1/attestation.intoto.jsonl");

    byte[] expected = SteppingCleanseEngine.weights(model, 11 << 20);
    ResponseBytes<GetObjectResponse> weights = s3.getObjectAsBytes(b -> b.bucket(bucket)
        .key("cleansed/run-1/model.safetensors"));
    assertThat(weights.asByteArray()).isEqualTo(expected);
    HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key("cleansed/run-1/model.safetensors")
        .checksumMode(ChecksumMode.ENABLED));
    assertThat(head.eTag()).as("uploaded in parts").endsWith("-3\"");
    assertThat(head.checksumCRC32C()).as("full-object CRC32C of the file").isEqualTo(crc32c(expected));
    assertThat(head.contentType()).isEqualTo("application/octet-stream");
    assertThat(head.metadata()).containsEntry("beear-job", id);

    HeadObjectResponse report = s3.headObject(b -> b.bucket(bucket).key("cleansed/run-1/report.json")
        .checksumMode(ChecksumMode.ENABLED));
    assertThat(report.eTag()).as("one part").doesNotContain("-");
    assertThat(report.contentType()).isEqualTo("application/json");
    assertThat(ROOT.resolve("data/outputs").resolve(id)).as("the staged copy is gone").doesNotExist();

    HttpResponse<String> served = get("/api/v1/cleanse-jobs/" + id + "/report");
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    assertThat(json(served).get("engine").asText()).isEqualTo("stepping-test-engine");

    // the attestation went up with the model, and what it attests is what was uploaded
    HttpResponse<String> attestation = get("/api/v1/cleanse-jobs/" + id + "/attestation");
    assertThat(attestation.statusCode()).as(attestation.body()).isEqualTo(200);
    JsonNode statement = mapper.readTree(java.util.Base64.getDecoder().decode(json(attestation).get("payload")
        .asText()));
    assertThat(statement.at("/subject/0/name").asText()).isEqualTo("model.safetensors");
    assertThat(statement.at("/subject/0/digest/sha256").asText()).isEqualTo(hex(MessageDigest.getInstance("SHA-256")
        .digest(expected)));
    assertThat(statement.get("subject")).hasSize(1);
  }

  @Test
  void anOutputPrefixThatHoldsObjectsIsRefusedBeforeTheCleanseAndLeftAlone() throws Exception {
    s3.putObject(b -> b.bucket(bucket).key("taken/model.safetensors"), RequestBody.fromString("someone's"));
    String id = submit("""
        {"model_uri": "%s", "output_uri": "s3://%s/taken"}""".formatted(fileUri(model(uniqueName("m"))), bucket));
    JsonNode failed = awaitStatus(id, "failed");
    assertThat(failed.get("error").asText())
        .isEqualTo("s3://" + bucket + "/taken/ is not empty; choose a new or empty prefix");
    assertThat(failed.get("current_epoch").asInt()).as("never trained").isZero();
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("taken/model.safetensors")).asUtf8String())
        .isEqualTo("someone's");
  }

  @Test
  void twoSpellingsOfOneOutputPrefixAreOneLocationForActiveJobs() throws Exception {
    engine.stepMillis = 50;
    String first = submit("""
        {"model_uri": "%s", "output_uri": "s3://%s/shared"}""".formatted(fileUri(model(uniqueName("a"))), bucket));
    HttpResponse<String> second = postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "output_uri": "S3://%s/shared//"}""".formatted(fileUri(model(uniqueName("b"))), bucket));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
    assertThat(json(second).get("detail").asText()).contains("(job " + first + ")");
  }

  @Test
  void aMalformedS3UriIsRefusedAtSubmission() throws Exception {
    HttpResponse<String> refused = postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "s3://Not_A_Bucket/m", "output_uri": "s3://%s/a/../b"}""".formatted(bucket));
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("is not a valid bucket name")
        .contains("the prefix may not contain empty, '.' or '..' segments");
  }

  @Test
  void anOutputToABucketThatDoesNotExistFailsTheJobWithS3sAnswer() throws Exception {
    String id = submit("""
        {"model_uri": "%s", "output_uri": "s3://no-such-bucket-%s/out"}""".formatted(fileUri(model(uniqueName("m"))),
        bucket));
    JsonNode failed = awaitStatus(id, "failed");
    assertThat(failed.get("error").asText()).startsWith("output check of s3://no-such-bucket-" + bucket
        + "/out/ failed: S3 answered 404 NoSuchBucket");
  }

  @Test
  void anUploadThatCannotReachS3FailsTheJobClearlyAndLeavesNoStagedCopy() throws Exception {
    engine.stepMillis = 100;
    String id = submit("""
        {"model_uri": "%s", "output_uri": "s3://%s/unreachable", "options": {"max_epochs": 2, "inner_steps": 2}}"""
        .formatted(fileUri(model(uniqueName("m"))), bucket));
    awaitJob(id, j -> j.path("current_epoch").asInt() >= 1, Duration.ofSeconds(30)); // the prefix was checked: training
    server.stop();
    try {
      JsonNode failed = awaitStatus(id, "failed");
      assertThat(failed.get("error").asText())
          .isEqualTo("output upload to s3://" + bucket + "/unreachable/ failed: could not connect to the S3 endpoint");
      assertThat(ROOT.resolve("data/outputs").resolve(id)).doesNotExist();
    } finally {
      server.start();
    }
  }

  private static String crc32c(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return java.util.Base64.getEncoder().encodeToString(
        java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
