package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.beear.app.BeearProperties;
import org.beear.net.ConnectionCountingListener;
import org.beear.net.FetchCancellation;
import org.beear.net.FetchCancelledException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** Models fetched from {@code s3://} on the tests' S3 server (127.0.0.1, allowlisted unless a test says otherwise). */
class S3ModelSourceTest {

  @TempDir
  Path tmp;
  private final S3TestServer server = S3TestServer.shared();
  private final S3Client s3 = server.client();
  private String bucket;

  @BeforeEach
  void bucket() {
    bucket = "models-" + UUID.randomUUID().toString().substring(0, 8);
    s3.createBucket(b -> b.bucket(bucket));
  }

  private BeearProperties properties(String cap, List<String> egressAllow) {
    return TestSourceProperties.of(tmp.resolve("data"), cap, egressAllow);
  }

  private S3ModelSource source(String cap) {
    BeearProperties properties = properties(cap, List.of("127.0.0.1/32"));
    return new S3ModelSource(new S3Storage(server.properties(5L << 20, 5L << 20), properties), properties);
  }

  /** A model directory as a bucket holds it: model files, and files a model fetch must skip. */
  private Map<String, byte[]> upload(String prefix) {
    Map<String, byte[]> files = new TreeMap<>();
    files.put("config.json", "{\"model_type\": \"llama\"}".getBytes(StandardCharsets.UTF_8));
    files.put("tokenizer.json", "{\"model\": {}}".getBytes(StandardCharsets.UTF_8));
    files.put("model.safetensors", new byte[300_000]);
    Map<String, byte[]> skipped = Map.of("pytorch_model.bin", new byte[10], "README.md", new byte[3],
        "nested/config.json", new byte[2]);
    for (var e : files.entrySet()) {
      s3.putObject(b -> b.bucket(bucket).key(prefix + "/" + e.getKey()), RequestBody.fromBytes(e.getValue()));
    }
    skipped.forEach((name, bytes) -> s3.putObject(b -> b.bucket(bucket).key(prefix + "/" + name),
        RequestBody.fromBytes(bytes)));
    return files;
  }

  @Test
  void theModelFilesUnderThePrefixAreDownloadedVerifiedAndDigested() throws Exception {
    Map<String, byte[]> files = upload("org/tiny");
    FetchedModel fetched = source("1MB").fetch(URI.create("s3://" + bucket + "/org/tiny/"));

    try (Stream<Path> listed = Files.list(fetched.directory())) {
      assertThat(listed.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(files.keySet()); // no pickle, README or nested file
    }
    for (var e : files.entrySet()) {
      assertThat(Files.readAllBytes(fetched.directory().resolve(e.getKey()))).isEqualTo(e.getValue());
    }
    StringBuilder sums = new StringBuilder();
    files.forEach((name, bytes) -> sums.append(sha256(bytes)).append("  ").append(name).append('\n'));
    assertThat(fetched.sha256()).isEqualTo(sha256(sums.toString().getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theSameObjectsAreFetchedOnceAndAChangedModelAgain() throws Exception {
    upload("m");
    S3ModelSource source = source("1MB");
    FetchedModel first = source.fetch(URI.create("s3://" + bucket + "/m"));
    FetchedModel again = source.fetch(URI.create("s3://" + bucket + "/m/"));
    assertThat(again).isEqualTo(first);

    s3.putObject(b -> b.bucket(bucket).key("m/config.json"),
        RequestBody.fromString("{\"model_type\": \"mistral\"}"));
    FetchedModel changed = source.fetch(URI.create("s3://" + bucket + "/m"));
    assertThat(changed.directory()).isNotEqualTo(first.directory());
    assertThat(Files.readString(changed.directory().resolve("config.json"))).contains("mistral");
    assertThat(changed.sha256()).isNotEqualTo(first.sha256());
  }

  @Test
  void anObjectWithAFullObjectCrc64NvmeIsCheckedAgainstIt() throws Exception {
    byte[] weights = new byte[200_000];
    new java.util.Random(1).nextBytes(weights);
    Crc64Nvme crc = new Crc64Nvme();
    crc.update(weights, 0, weights.length);
    String value = Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(8).putLong(crc.getValue()).array());
    // the server checks the value against the bytes it receives: a wrong CRC-64/NVME here fails the upload
    s3.putObject(b -> b.bucket(bucket).key("c/model.safetensors").checksumCRC64NVME(value),
        RequestBody.fromBytes(weights));
    s3.putObject(b -> b.bucket(bucket).key("c/config.json"), RequestBody.fromString("{}"));

    FetchedModel fetched = source("1MB").fetch(URI.create("s3://" + bucket + "/c"));
    assertThat(Files.readAllBytes(fetched.directory().resolve("model.safetensors"))).isEqualTo(weights);
  }

  @Test
  void crc64NvmeHasTheCatalogueCheckValue() {
    Crc64Nvme crc = new Crc64Nvme();
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    crc.update(check, 0, check.length);
    assertThat(crc.getValue()).isEqualTo(0xae8b14860a799888L);
  }

  @Test
  void bytesThatDoNotMatchTheStoredChecksumAreRefused() {
    HeadObjectResponse head = HeadObjectResponse.builder().checksumCRC32C("AAAAAA==")
        .checksumType(ChecksumType.FULL_OBJECT).eTag("\"0123456789abcdef0123456789abcdef\"").build();
    S3Checksums.Verifier verifier = S3Checksums.forDownload(head);
    verifier.update(new byte[] {1, 2, 3}, 0, 3);
    assertThat(verifier.kind()).isEqualTo("CRC32C");
    assertThat(verifier.matches()).isFalse();

    S3Checksums.Verifier byEtag = S3Checksums.forDownload(HeadObjectResponse.builder()
        .eTag("\"" + HexFormat.of().formatHex(md5(new byte[] {1, 2, 3})) + "\"").build());
    byEtag.update(new byte[] {1, 2, 4}, 0, 3);
    assertThat(byEtag.kind()).isEqualTo("MD5 (ETag)");
    assertThat(byEtag.matches()).isFalse();
  }

  @Test
  void aModelOverTheDownloadCapIsRefusedBeforeAnyByteIsStored() throws Exception {
    upload("big");
    assertThatThrownBy(() -> source("100KB").fetch(URI.create("s3://" + bucket + "/big")))
        .isInstanceOf(SourceException.class)
        .hasMessageStartingWith("fetch failed: the model's files are")
        .hasMessageContaining("more than the download cap of 100 KB");
    assertThat(tmp.resolve("data/cache/models")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  @Test
  void aPrefixWithoutModelFilesAndAMissingBucketAreClearErrors() {
    s3.putObject(b -> b.bucket(bucket).key("empty/README.md"), RequestBody.fromString("hi"));
    assertThatThrownBy(() -> source("1MB").fetch(URI.create("s3://" + bucket + "/empty")))
        .hasMessage("fetch failed: s3://" + bucket + "/empty/ holds no model files (config.json, *.safetensors,"
            + " tokenizer files)");
    assertThatThrownBy(() -> source("1MB").fetch(URI.create("s3://no-such-bucket-here/m")))
        .isInstanceOf(SourceException.class).hasMessageStartingWith("fetch failed: S3 answered 404 NoSuchBucket");
  }

  @Test
  void aCancelledFetchStopsWithoutAnEntry() {
    upload("cancelled");
    FetchCancellation cancellation = new FetchCancellation();
    cancellation.cancel();
    assertThatThrownBy(() -> source("1MB").fetch(URI.create("s3://" + bucket + "/cancelled"), cancellation))
        .isInstanceOf(FetchCancelledException.class);
    assertThat(tmp.resolve("data/cache/models")).isEmptyDirectory();
  }

  @Test
  void anEndpointTheEgressPolicyRefusesIsNeverConnectedTo() throws Exception {
    try (ConnectionCountingListener listener = new ConnectionCountingListener(InetAddress.getByName("127.0.0.1"))) {
      BeearProperties noLoopback = properties("1MB", List.of());
      S3Properties literal = new S3Properties(URI.create("http://127.0.0.1:" + listener.port()), "us-east-1", true,
          "k", "s", org.springframework.util.unit.DataSize.ofMegabytes(64),
          org.springframework.util.unit.DataSize.ofMegabytes(16));
      S3ModelSource byAddress = new S3ModelSource(new S3Storage(literal, noLoopback), noLoopback);
      assertThatThrownBy(() -> byAddress.check(URI.create("s3://bucket/model")))
          .hasMessage("the S3 endpoint's address not allowed by egress policy");

      // a name is judged when it is resolved, at the connection: "storage.test" is 127.0.0.1 here
      S3Properties named = new S3Properties(URI.create("http://storage.test:" + listener.port()), "us-east-1", true,
          "k", "s", literal.multipartThreshold(), literal.partSize());
      S3ModelSource byName = new S3ModelSource(new S3Storage(named, noLoopback,
          host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")}), noLoopback);
      byName.check(URI.create("s3://bucket/model"));
      assertThatThrownBy(() -> byName.fetch(URI.create("s3://bucket/model")))
          .hasMessage("fetch failed: address not allowed by egress policy");
      Thread.sleep(200);
      assertThat(listener.connections()).isZero();
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] md5(byte[] bytes) {
    try {
      return MessageDigest.getInstance("MD5").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
