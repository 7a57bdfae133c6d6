package org.beear.attest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM (RFC 7468) blocks: base64 DER between {@code -----BEGIN LABEL-----} and {@code -----END LABEL-----}. */
final class Pem {
  static final String PRIVATE_KEY = "PRIVATE KEY";
  static final String PUBLIC_KEY = "PUBLIC KEY";

  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");

  private Pem() {}

  static String encode(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  /** The DER of the first block labelled {@code label} in {@code text}. */
  static byte[] decode(String text, String label, String where) {
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(label)) {
        try {
          return Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
          throw new UnreadableKeyException(where + ": the " + label + " block is not base64");
        }
      }
    }
    Matcher any = BLOCK.matcher(text);
    throw new UnreadableKeyException(where + " holds no PEM block '" + label + "'" + (any.find()
        ? " (it holds a '" + any.group(1) + "' block)" : ""));
  }
}
