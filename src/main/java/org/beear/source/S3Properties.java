package org.beear.source;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * {@code beear.sources.s3.*}: the S3 service that {@code s3://} model and output URIs name. One endpoint for the
 * whole service; its connections obey the egress policy ({@code beear.sources.egress.allow}) like every download.
 *
 * @param endpoint           an S3-compatible server ({@code http://minio.internal:9000}); unset: AWS, by region
 * @param region             the signing region (and AWS's endpoint when no endpoint is set); never looked up from
 *                           an instance-metadata service
 * @param pathStyle          {@code http://host/bucket/key} instead of {@code http://bucket.host/key}; most
 *                           S3-compatible servers need it
 * @param accessKeyId        static credentials (from a Secret); unset together with the secret: anonymous
 *                           requests, for public buckets. The SDK's default chain (instance metadata, web identity)
 *                           is never consulted
 * @param secretAccessKey    the secret of {@code accessKeyId}; never logged, never stored with a job
 * @param multipartThreshold files at least this large are uploaded in parts
 * @param partSize           size of each part but the last (S3: 5 MiB to 5 GiB); grown for a file that would
 *                           otherwise need more than 10,000 parts
 */
@Validated
@ConfigurationProperties("beear.sources.s3")
public record S3Properties(
    URI endpoint,
    @NotBlank @DefaultValue("us-east-1") String region,
    @DefaultValue("false") boolean pathStyle,
    String accessKeyId,
    String secretAccessKey,
    @NotNull @DefaultValue("64MB") DataSize multipartThreshold,
    @NotNull @DefaultValue("16MB") DataSize partSize) {

  static final long MIN_PART = 5L << 20;
  static final long MAX_PART = 5L << 30;

  /** Explicit credentials, or none at all: half a pair is a configuration mistake, not anonymous access. */
  @AssertTrue(message = "access-key-id and secret-access-key are set together or not at all")
  public boolean isCredentialsComplete() {
    return StringUtils.hasText(accessKeyId) == StringUtils.hasText(secretAccessKey);
  }

  @AssertTrue(message = "endpoint must be an http(s) URI with a host and no path, query or credentials")
  public boolean isEndpointValid() {
    if (endpoint == null) {
      return true;
    }
    String scheme = endpoint.getScheme();
    String path = endpoint.getRawPath();
    return ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && endpoint.getHost() != null
        && endpoint.getRawUserInfo() == null && endpoint.getRawQuery() == null && endpoint.getRawFragment() == null
        && (path == null || path.isEmpty() || path.equals("/"));
  }

  @AssertTrue(message = "part-size must be between 5MB and 5GB, and multipart-threshold at least 1 byte")
  public boolean isPartSizeValid() {
    return partSize == null || multipartThreshold == null
        || partSize.toBytes() >= MIN_PART && partSize.toBytes() <= MAX_PART && multipartThreshold.toBytes() >= 1;
  }

  boolean anonymous() {
    return !StringUtils.hasText(accessKeyId);
  }

  /** Keeps the secret out of logs, actuator dumps and failure analyses. */
  @Override
  public String toString() {
    return "S3Properties[endpoint=" + (endpoint == null ? "AWS" : endpoint) + ", region=" + region + ", pathStyle="
        + pathStyle + ", accessKeyId=" + (anonymous() ? "unset" : accessKeyId) + ", secretAccessKey="
        + (StringUtils.hasText(secretAccessKey) ? "***" : "unset") + ", multipartThreshold=" + multipartThreshold
        + ", partSize=" + partSize + "]";
  }
}
