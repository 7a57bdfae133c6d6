package org.beear.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.beear.net.FetchCancelledException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Uploads a job's output directory under an S3 prefix: every file, in parts from the multipart threshold on, each
 * with the content type of its kind and the job's id in its metadata. Every object and part carries a CRC32C
 * computed here from the file, which S3 checks against what it received (a multipart upload's as a full-object
 * checksum of the whole file); an answer that confirms neither that checksum nor the MD5 ETag fails the upload.
 * {@code report.json} goes last, so a reader that finds it finds the whole output.
 */
final class S3Upload {

  private static final Logger log = LoggerFactory.getLogger(S3Upload.class);
  /** Metadata naming the job that wrote an object: a retry of the same job may replace it, nothing else may. */
  static final String JOB_METADATA = "beear-job";
  private static final String REPORT = "report.json";
  private static final int MAX_PARTS = 10_000;

  private final S3Client client;
  private final S3Location location;
  private final String jobId;
  private final long threshold;
  private final long partSize;
  private final List<String> uploaded = new ArrayList<>();

  S3Upload(S3Client client, S3Properties properties, S3Location location, String jobId) {
    this.client = client;
    this.location = location;
    this.jobId = jobId;
    this.threshold = properties.multipartThreshold().toBytes();
    this.partSize = properties.partSize().toBytes();
  }

  /**
   * Refuses a prefix that holds objects other than this job's own (an earlier attempt of it may have uploaded some
   * before it crashed), as a non-empty output directory is refused.
   */
  void requireFree() {
    ListObjectsV2Response listing = client.listObjectsV2(b -> b.bucket(location.bucket())
        .prefix(location.listPrefix()).maxKeys(100));
    boolean foreign = listing.isTruncated();
    for (S3Object o : listing.contents()) {
      if (foreign) {
        break;
      }
      foreign = !jobId.equals(client.headObject(b -> b.bucket(location.bucket()).key(o.key())).metadata()
          .get(JOB_METADATA));
    }
    if (foreign) {
      throw new SourceException(location + " is not empty; choose a new or empty prefix");
    }
  }

  /** Uploads every file of the directory; stops between files and parts when asked to. */
  void upload(Path dir, BooleanSupplier stop) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile)
          .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().equals(REPORT))
              .thenComparing(p -> dir.relativize(p).toString()))
          .toList();
    }
    for (Path file : files) {
      if (stop.getAsBoolean()) {
        throw new FetchCancelledException();
      }
      String name = dir.relativize(file).toString().replace('\\', '/');
      String key = location.key(name);
      long size = Files.size(file);
      if (size >= threshold) {
        multipart(file, key, name, size, stop);
      } else {
        single(file, key, name, size);
      }
      uploaded.add(key);
    }
  }

  /** Removes what this upload put, after a failure, so the prefix is free for a new attempt; best effort. */
  void removeUploaded() {
    for (String key : uploaded) {
      try {
        client.deleteObject(b -> b.bucket(location.bucket()).key(key));
      } catch (SdkException e) {
        log.warn("could not remove {} after the failed upload: {}", key, e.toString());
      }
    }
  }

  private void single(Path file, String key, String name, long size) throws IOException {
    Sums sums = sums(file, 0, size, null);
    PutObjectResponse put = client.putObject(b -> b.bucket(location.bucket()).key(key).contentLength(size)
        .contentType(contentType(name)).metadata(Map.of(JOB_METADATA, jobId)).checksumCRC32C(sums.crc32c()),
        RequestBody.fromFile(file));
    confirm(name, sums.crc32c(), put.checksumCRC32C(), sums.md5(), put.eTag());
  }

  private void multipart(Path file, String key, String name, long size, BooleanSupplier stop) throws IOException {
    long part = Math.max(partSize, (size + MAX_PARTS - 1) / MAX_PARTS);
    String uploadId = client.createMultipartUpload(b -> b.bucket(location.bucket()).key(key)
        .contentType(contentType(name)).metadata(Map.of(JOB_METADATA, jobId))
        .checksumAlgorithm(ChecksumAlgorithm.CRC32_C).checksumType(ChecksumType.FULL_OBJECT)).uploadId();
    boolean completed = false;
    try {
      CRC32C whole = new CRC32C();
      MessageDigest partMd5s = S3Checksums.digest("MD5");
      List<CompletedPart> parts = new ArrayList<>();
      for (long offset = 0; offset < size; offset += part) {
        if (stop.getAsBoolean()) {
          throw new FetchCancelledException();
        }
        long length = Math.min(part, size - offset);
        int number = parts.size() + 1;
        Sums sums = sums(file, offset, length, whole);
        long from = offset;
        UploadPartResponse uploadedPart = client.uploadPart(b -> b.bucket(location.bucket()).key(key)
            .uploadId(uploadId).partNumber(number).contentLength(length).checksumCRC32C(sums.crc32c()),
            RequestBody.fromContentProvider(() -> openRegion(file, from, length), length, "application/octet-stream"));
        confirm(name + " part " + number, sums.crc32c(), uploadedPart.checksumCRC32C(), sums.md5(),
            uploadedPart.eTag());
        partMd5s.update(HexFormat.of().parseHex(sums.md5()));
        parts.add(CompletedPart.builder().partNumber(number).eTag(uploadedPart.eTag())
            .checksumCRC32C(sums.crc32c()).build());
      }
      String full = S3Checksums.crc32c(whole);
      CompleteMultipartUploadResponse done = client.completeMultipartUpload(b -> b.bucket(location.bucket())
          .key(key).uploadId(uploadId).checksumCRC32C(full).checksumType(ChecksumType.FULL_OBJECT)
          .multipartUpload(m -> m.parts(parts)));
      completed = true;
      confirm(name, full, done.checksumCRC32C(),
          HexFormat.of().formatHex(partMd5s.digest()) + "-" + parts.size(), done.eTag());
    } finally {
      if (!completed) {
        abort(key, uploadId);
      }
    }
  }

  private void abort(String key, String uploadId) {
    try {
      client.abortMultipartUpload(b -> b.bucket(location.bucket()).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      log.warn("could not abort the multipart upload of {}: {}", key, e.toString());
    }
  }

  /** S3 must confirm the bytes: by echoing the CRC32C it checked, or by an ETag that is their MD5. */
  private static void confirm(String what, String crc32c, String answeredCrc, String md5, String answeredEtag) {
    if (crc32c.equals(answeredCrc) || md5.equalsIgnoreCase(S3Checksums.unquoted(answeredEtag))) {
      return;
    }
    throw new SourceException("S3 did not confirm the checksum of " + what);
  }

  private record Sums(String crc32c, String md5) {}

  /** CRC32C and MD5 of a range of the file, also fed to {@code whole} when given. */
  private static Sums sums(Path file, long offset, long length, CRC32C whole) throws IOException {
    CRC32C crc = new CRC32C();
    MessageDigest md5 = S3Checksums.digest("MD5");
    try (InputStream in = region(file, offset, length)) {
      byte[] buffer = new byte[1 << 16];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        crc.update(buffer, 0, n);
        md5.update(buffer, 0, n);
        if (whole != null) {
          whole.update(buffer, 0, n);
        }
      }
    }
    return new Sums(S3Checksums.crc32c(crc), HexFormat.of().formatHex(md5.digest()));
  }

  /** For the SDK, which opens the part again for each attempt and cannot take a checked exception. */
  private static InputStream openRegion(Path file, long offset, long length) {
    try {
      return region(file, offset, length);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static InputStream region(Path file, long offset, long length) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    channel.position(offset);
    InputStream in = Channels.newInputStream(channel);
    return new InputStream() {
      private long left = length;

      @Override
      public int read() throws IOException {
        if (left <= 0) {
          return -1;
        }
        int b = in.read();
        if (b >= 0) {
          left--;
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
          left -= n;
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }

  static String contentType(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".json")) {
      return "application/json";
    }
    if (lower.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (lower.endsWith(".md") || lower.endsWith(".txt") || lower.endsWith(".jinja")) {
      return "text/plain; charset=utf-8";
    }
    return "application/octet-stream"; // safetensors, tokenizer.model, and anything else
  }
}
