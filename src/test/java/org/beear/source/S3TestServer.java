package org.beear.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for the tests: S3Proxy (org.gaul:s3proxy, its in-memory "transient" store) run from
 * its self-contained jar as a process of its own on 127.0.0.1, so its Jetty and Jackson never meet the service's.
 * It checks SigV4 signatures with the keys below, content checksums (MD5, CRC32, CRC32C, CRC64NVME, SHA) and
 * multipart rules (5 MiB minimum part) as S3 does. One per JVM, started on first use; {@link #stop()} and
 * {@link #start()} take it down and bring it back on the same port (empty: buckets are per test).
 */
public final class S3TestServer {

  public static final String ACCESS_KEY = "beear-test-access-key";
  public static final String SECRET_KEY = "beear-test-secret-key-0123456789";
  public static final String REGION = "us-east-1";
  private static final Pattern STARTED = Pattern.compile("Started .*ServerConnector.*\\{127\\.0\\.0\\.1:(\\d+)\\}");
  private static S3TestServer shared;

  private final Path dir;
  private Process process;
  private int port;
  private S3Client client;

  private S3TestServer() throws IOException {
    this.dir = Files.createTempDirectory("s3proxy");
  }

  /** The JVM's server, started if it is not running. */
  public static synchronized S3TestServer shared() {
    try {
      if (shared == null) {
        shared = new S3TestServer();
        S3TestServer server = shared;
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
      }
      if (!shared.running()) {
        shared.start();
      }
      return shared;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path jar() {
    String configured = System.getProperty("beear.test.s3proxy.jar", "target/s3proxy/s3proxy.jar");
    Path jar = Path.of(configured);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: Maven copies it in process-test-resources (mvn test does)");
    }
    return jar;
  }

  public synchronized boolean running() {
    return process != null && process.isAlive();
  }

  /** Starts the server (on the port it had, after a {@link #stop()}) and waits until it listens. */
  public synchronized void start() throws IOException {
    Path conf = dir.resolve("s3proxy.conf");
    Files.writeString(conf, String.join("\n",
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.identity=" + ACCESS_KEY,
        "s3proxy.credential=" + SECRET_KEY,
        "jclouds.provider=transient",
        ""));
    Path log = dir.resolve("s3proxy.log");
    Files.deleteIfExists(log);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-jar", jar().toAbsolutePath().toString(), "--properties", conf.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    process = builder.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = STARTED.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
        return;
      }
      if (!process.isAlive()) {
        break;
      }
      sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException("S3Proxy did not start; its log:\n" + Files.readString(log));
  }

  /** Ends the server process; what it stored is gone. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public synchronized URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** A client of the test's own, to arrange and inspect buckets. */
  public synchronized S3Client client() {
    if (client == null) {
      client = S3Client.builder()
          .httpClientBuilder(Apache5HttpClient.builder())
          .endpointOverride(endpoint())
          .region(Region.of(REGION))
          .forcePathStyle(true)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
          .build();
    }
    return client;
  }

  /** Properties of the service's S3 client for this server. */
  public S3Properties properties(long multipartThreshold, long partSize) {
    return new S3Properties(endpoint(), REGION, true, ACCESS_KEY, SECRET_KEY,
        org.springframework.util.unit.DataSize.ofBytes(multipartThreshold),
        org.springframework.util.unit.DataSize.ofBytes(partSize));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
