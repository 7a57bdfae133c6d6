package org.beear.source;

import java.net.UnknownHostException;
import java.net.URI;
import org.beear.app.BeearProperties;
import org.beear.net.EgressDnsResolver;
import org.beear.net.EgressPolicy;
import org.beear.net.EgressRefusedException;
import org.beear.net.HostResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.apache5.ProxyConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The service's S3 client, built once on first use from {@link S3Properties}. Everything it needs is explicit, so
 * it never asks the network for configuration: the region and credentials are given (static keys or anonymous; no
 * instance-metadata service, no web-identity token exchange), proxies from the environment are ignored (the proxy
 * would be the address connected to), and every connection goes through the egress policy's resolver, as the
 * download client's do: the address checked is the address connected to.
 */
@Component
@EnableConfigurationProperties(S3Properties.class)
public class S3Storage implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(S3Storage.class);
  static final String EGRESS_REFUSED = "address not allowed by egress policy";

  private final S3Properties properties;
  private final BeearProperties.Sources sources;
  private final EgressPolicy policy;
  private final HostResolver resolver;
  private S3Client client;

  @Autowired
  public S3Storage(S3Properties properties, BeearProperties beear) {
    this(properties, beear, HostResolver.SYSTEM);
  }

  /** With a resolver of the caller's, so tests can give names addresses without a DNS server. */
  S3Storage(S3Properties properties, BeearProperties beear, HostResolver resolver) {
    this.properties = properties;
    this.sources = beear.sources();
    this.policy = EgressPolicy.allowing(sources.egress().allow());
    this.resolver = resolver;
  }

  S3Properties properties() {
    return properties;
  }

  synchronized S3Client client() {
    if (client == null) {
      client = build();
      log.info("S3 client: {}", properties);
    }
    return client;
  }

  private S3Client build() {
    Apache5HttpClient.Builder http = Apache5HttpClient.builder()
        .dnsResolver(new EgressDnsResolver(policy, resolver))
        .proxyConfiguration(ProxyConfiguration.builder().useSystemPropertyValues(false)
            .useEnvironmentVariableValues(false).build())
        .connectionTimeout(sources.connectTimeout())
        .socketTimeout(sources.readTimeout());
    AwsCredentialsProvider credentials = properties.anonymous() ? AnonymousCredentialsProvider.create()
        : StaticCredentialsProvider.create(
            AwsBasicCredentials.create(properties.accessKeyId(), properties.secretAccessKey()));
    S3ClientBuilder builder = S3Client.builder()
        .httpClientBuilder(http)
        .region(Region.of(properties.region()))
        .credentialsProvider(credentials)
        .forcePathStyle(properties.pathStyle())
        .crossRegionAccessEnabled(false)
        .disableS3ExpressSessionAuth(true)
        // uploads carry checksums computed here from the files; downloads are checked here against the object's
        // (S3Checksums), also for CRC64NVME, which the SDK computes only with its native library
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (properties.endpoint() != null) {
      builder.endpointOverride(properties.endpoint());
    }
    return builder.build();
  }

  /** The endpoint as messages may show it. */
  String endpointName() {
    return properties.endpoint() == null ? "AWS S3 (" + properties.region() + ")" : properties.endpoint().toString();
  }

  /**
   * Refuses, without a lookup or a connection, an endpoint given as an address the egress policy refuses; a host
   * name is judged when it is resolved, at each connection.
   */
  void checkEndpoint() {
    URI endpoint = properties.endpoint();
    if (endpoint == null) {
      return;
    }
    try {
      if (policy.refusalWithoutLookup(endpoint.getHost()).isPresent()) {
        throw new SourceException("the S3 endpoint's " + EGRESS_REFUSED);
      }
    } catch (UnknownHostException e) {
      throw new SourceException("the S3 endpoint has an invalid address");
    }
  }

  /**
   * What a caller may be told about a failed S3 request: S3's error code and message, or for a connection that did
   * not work only that (a refused connection, a timeout and a reset read the same, as for downloads). The full
   * exception goes to the log.
   */
  static String describe(SdkException e) {
    if (e instanceof S3Exception s3) {
      String code = s3.awsErrorDetails() != null ? s3.awsErrorDetails().errorCode() : null;
      String message = s3.awsErrorDetails() != null ? s3.awsErrorDetails().errorMessage() : null;
      return "S3 answered " + s3.statusCode() + (code == null ? "" : " " + code)
          + (message == null || message.isBlank() ? "" : " (" + message + ")");
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof EgressRefusedException) {
        return EGRESS_REFUSED;
      }
    }
    if (e instanceof SdkClientException) {
      return "could not connect to the S3 endpoint";
    }
    return e.getClass().getSimpleName();
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      client.close();
      client = null;
    }
  }
}
