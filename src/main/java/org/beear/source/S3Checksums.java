package org.beear.source;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.Checksum;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * The checksums objects are verified with. A download is checked against the object's full-object checksum when
 * S3 has one (CRC64NVME, CRC32C, CRC32, SHA-256 or SHA-1), else against its ETag when that is a plain MD5 (objects
 * uploaded in one part without KMS encryption); an object uploaded in parts with neither is checked for its size
 * only, and said so. Uploads send CRC32C (full-object, also for multipart uploads) and compare what S3 answers.
 */
final class S3Checksums {

  private static final Pattern PLAIN_MD5 = Pattern.compile("[0-9a-f]{32}");

  private S3Checksums() {}

  /** Computes one checksum over the bytes it is fed and compares it with what S3 holds for the object. */
  interface Verifier {
    void update(byte[] bytes, int offset, int length);

    /** What the object was checked against, e.g. "CRC32C", or "size" when S3 holds nothing usable. */
    String kind();

    boolean matches();
  }

  /** @param response the object's HEAD, asked with checksum mode on */
  static Verifier forDownload(HeadObjectResponse response) {
    boolean composite = response.checksumType() == ChecksumType.COMPOSITE;
    if (!composite) {
      Verifier v = crc("CRC64NVME", Crc64Nvme::new, 8, response.checksumCRC64NVME());
      v = v != null ? v : crc("CRC32C", CRC32C::new, 4, response.checksumCRC32C());
      v = v != null ? v : crc("CRC32", CRC32::new, 4, response.checksumCRC32());
      v = v != null ? v : hash("SHA-256", response.checksumSHA256());
      v = v != null ? v : hash("SHA-1", response.checksumSHA1());
      if (v != null) {
        return v;
      }
    }
    String etag = unquoted(response.eTag());
    if (etag != null && PLAIN_MD5.matcher(etag.toLowerCase(Locale.ROOT)).matches()) {
      MessageDigest md5 = digest("MD5");
      return new Verifier() {
        @Override
        public void update(byte[] bytes, int offset, int length) {
          md5.update(bytes, offset, length);
        }

        @Override
        public String kind() {
          return "MD5 (ETag)";
        }

        @Override
        public boolean matches() {
          return HexFormat.of().formatHex(md5.digest()).equalsIgnoreCase(etag);
        }
      };
    }
    return new Verifier() {
      @Override
      public void update(byte[] bytes, int offset, int length) {}

      @Override
      public String kind() {
        return "size";
      }

      @Override
      public boolean matches() {
        return true;
      }
    };
  }

  /** Absent, or a composite "<checksum>-<parts>" that no single pass over the bytes reproduces. */
  private static boolean unusable(String expected) {
    return expected == null || expected.isBlank() || expected.contains("-");
  }

  private static Verifier crc(String kind, Supplier<Checksum> algorithm, int bytes, String expected) {
    if (unusable(expected)) {
      return null;
    }
    Checksum checksum = algorithm.get();
    return new Verifier() {
      @Override
      public void update(byte[] b, int offset, int length) {
        checksum.update(b, offset, length);
      }

      @Override
      public String kind() {
        return kind;
      }

      @Override
      public boolean matches() {
        ByteBuffer value = ByteBuffer.allocate(8).putLong(checksum.getValue());
        byte[] out = new byte[bytes];
        System.arraycopy(value.array(), 8 - bytes, out, 0, bytes);
        return Base64.getEncoder().encodeToString(out).equals(expected);
      }
    };
  }

  private static Verifier hash(String kind, String expected) {
    if (unusable(expected)) {
      return null;
    }
    MessageDigest digest = digest(kind);
    return new Verifier() {
      @Override
      public void update(byte[] b, int offset, int length) {
        digest.update(b, offset, length);
      }

      @Override
      public String kind() {
        return kind;
      }

      @Override
      public boolean matches() {
        return Base64.getEncoder().encodeToString(digest.digest()).equals(expected);
      }
    };
  }

  static String unquoted(String etag) {
    if (etag == null) {
      return null;
    }
    return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1)
        : etag;
  }

  /** CRC32C as S3 writes it: the four bytes, big-endian, in base64. */
  static String crc32c(CRC32C crc) {
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
