package org.beear.source;

import java.util.zip.Checksum;

/**
 * CRC-64/NVME, the checksum S3 and the AWS CLI give objects by default: reflected polynomial 0x9a6c9329ac4bc9b5,
 * initial value and final xor all ones (check value of "123456789": 0xae8b14860a799888). The SDK computes it only
 * with its native CRT library, which this service does not ship; a table per byte is fast enough for downloads.
 */
final class Crc64Nvme implements Checksum {

  private static final long[] TABLE = new long[256];

  static {
    for (int i = 0; i < 256; i++) {
      long crc = i;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x9a6c9329ac4bc9b5L : crc >>> 1;
      }
      TABLE[i] = crc;
    }
  }

  private long crc = -1L;

  @Override
  public void update(int b) {
    crc = TABLE[(int) ((crc ^ b) & 0xff)] ^ (crc >>> 8);
  }

  @Override
  public void update(byte[] bytes, int offset, int length) {
    long c = crc;
    for (int i = offset; i < offset + length; i++) {
      c = TABLE[(int) ((c ^ bytes[i]) & 0xff)] ^ (c >>> 8);
    }
    crc = c;
  }

  @Override
  public long getValue() {
    return ~crc;
  }

  @Override
  public void reset() {
    crc = -1L;
  }
}
