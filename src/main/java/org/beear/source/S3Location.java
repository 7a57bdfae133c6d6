package org.beear.source;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.beear.net.UriRedaction;

/**
 * An {@code s3://bucket/prefix} URI, checked without the network: the bucket follows S3's naming rules, the prefix
 * has no {@code .}, {@code ..} or empty segments, and nothing may carry credentials or a query. The prefix is kept
 * without slashes at either end, so {@code s3://b/p}, {@code s3://b/p/} and {@code S3://b/p//} are one location
 * (and one entry of the unique index on active jobs' outputs).
 *
 * @param bucket the bucket
 * @param prefix the key prefix, "" for the whole bucket; objects of the model are {@code prefix/name}
 */
public record S3Location(String bucket, String prefix) {

  /** S3's general-purpose bucket names: 3–63 of a-z 0-9 . -, starting and ending with a letter or digit. */
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  /** S3 keys are at most 1024 bytes; leave room for the file names under the prefix. */
  private static final int MAX_PREFIX_BYTES = 900;

  public static boolean isS3(URI uri) {
    return "s3".equalsIgnoreCase(uri.getScheme());
  }

  public static S3Location parse(URI uri) {
    String shown = UriRedaction.redact(uri.toString());
    if (!isS3(uri)) {
      throw new SourceException("expected an s3:// URI, got " + shown);
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new SourceException(shown + ": s3:// URIs carry no credentials, query or fragment (the service's"
          + " own S3 credentials are used)");
    }
    String bucket = uri.getRawAuthority();
    if (bucket == null || bucket.isEmpty()) {
      throw new SourceException(shown + " names no bucket; use s3://bucket/prefix");
    }
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || IP_ADDRESS.matcher(bucket).matches()
        || bucket.startsWith("xn--") || bucket.endsWith("-s3alias") || bucket.endsWith("--ol-s3")) {
      throw new SourceException(shown + ": '" + bucket + "' is not a valid bucket name (3-63 characters of a-z,"
          + " 0-9, '.' and '-', starting and ending with a letter or digit)");
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    String prefix = strip(path);
    for (String segment : prefix.isEmpty() ? new String[0] : prefix.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new SourceException(shown + ": the prefix may not contain empty, '.' or '..' segments");
      }
      if (segment.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '\\')) {
        throw new SourceException(shown + ": the prefix may not contain control characters or backslashes");
      }
    }
    if (prefix.getBytes(StandardCharsets.UTF_8).length > MAX_PREFIX_BYTES) {
      throw new SourceException(shown + ": the prefix is longer than " + MAX_PREFIX_BYTES + " bytes");
    }
    return new S3Location(bucket, prefix);
  }

  private static String strip(String path) {
    int start = path.startsWith("/") ? 1 : 0; // the URI's own separator; a second one is an empty segment
    int end = path.length();
    while (end > start && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(start, end);
  }

  /** The key of a file under the prefix. */
  public String key(String name) {
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  /** What ListObjects is asked for: everything directly or indirectly under the prefix. */
  String listPrefix() {
    return prefix.isEmpty() ? "" : prefix + "/";
  }

  /** The normalised URI: {@code s3://bucket/prefix/}, or {@code s3://bucket/} for a whole bucket. */
  public URI uri() {
    try {
      return new URI("s3", bucket, "/" + listPrefix(), null, null);
    } catch (java.net.URISyntaxException e) {
      throw new SourceException("s3://" + bucket + "/" + listPrefix() + " is not a valid URI");
    }
  }

  @Override
  public String toString() {
    return uri().toString();
  }
}
