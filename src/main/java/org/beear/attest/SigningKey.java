package org.beear.attest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.beear.files.FileDigests;
import org.beear.files.OwnerOnlyFiles;

/**
 * An Ed25519 key pair that signs attestations (the JDK's own Ed25519, no library). On disk a key is a PEM file as
 * OpenSSL writes one: the private key as PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, {@code openssl genpkey
 * -algorithm ed25519}), the public key as X.509 SubjectPublicKeyInfo ({@code -----BEGIN PUBLIC KEY-----},
 * {@code openssl pkey -pubout}). Only the private key is kept: the public key is derived from it.
 *
 * @param keyId the key's id in a DSSE signature: the hex SHA-256 of the public key's DER encoding
 */
public record SigningKey(PrivateKey privateKey, PublicKey publicKey, String keyId) {

  static final String ALGORITHM = "Ed25519";

  /** A fresh key pair. */
  public static SigningKey generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      return new SigningKey(pair.getPrivate(), pair.getPublic(), keyId(pair.getPublic()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no Ed25519", e);
    }
  }

  /**
   * The key in a PEM text holding an Ed25519 private key (PKCS#8).
   *
   * @param where names the text in messages (a file, a setting)
   * @throws UnreadableKeyException when it is not one
   */
  public static SigningKey fromPem(String pem, String where) {
    byte[] der = Pem.decode(pem, Pem.PRIVATE_KEY, where);
    PrivateKey key;
    try {
      key = KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (InvalidKeySpecException e) {
      throw new UnreadableKeyException(where + " is not an Ed25519 private key (make one with: openssl genpkey "
          + "-algorithm ed25519)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no Ed25519", e);
    }
    PublicKey publicKey = derivePublic(key);
    return new SigningKey(key, publicKey, keyId(publicKey));
  }

  /** The key in {@code file}. */
  public static SigningKey read(Path file) {
    return fromPem(readText(file, "signing key"), file.toString());
  }

  /**
   * The key in {@code file}, created there first (mode 0600, once: a process that loses the race to create it
   * uses the winner's) when there is none.
   */
  public static SigningKey readOrCreate(Path file) {
    if (!Files.exists(file)) {
      try {
        OwnerOnlyFiles.createOnce(file, generate().privatePem().getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the signing key " + file + ": " + e.getMessage(), e);
      }
    }
    return read(file);
  }

  /** An Ed25519 public key in a PEM text (X.509 SubjectPublicKeyInfo). */
  public static PublicKey publicKeyFromPem(String pem, String where) {
    byte[] der = Pem.decode(pem, Pem.PUBLIC_KEY, where);
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
    } catch (InvalidKeySpecException e) {
      throw new UnreadableKeyException(where + " is not an Ed25519 public key");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no Ed25519", e);
    }
  }

  /** The public key in {@code file}. */
  public static PublicKey readPublicKey(Path file) {
    return publicKeyFromPem(readText(file, "public key"), file.toString());
  }

  /** The hex SHA-256 of a public key's DER (X.509 SubjectPublicKeyInfo) encoding. */
  public static String keyId(PublicKey key) {
    return HexFormat.of().formatHex(FileDigests.sha256().digest(key.getEncoded()));
  }

  public String privatePem() {
    return Pem.encode(Pem.PRIVATE_KEY, privateKey.getEncoded());
  }

  public String publicPem() {
    return publicPem(publicKey);
  }

  public static String publicPem(PublicKey key) {
    return Pem.encode(Pem.PUBLIC_KEY, key.getEncoded());
  }

  /**
   * The JDK derives an Ed25519 public key only while generating a pair, from the 32 random bytes it draws as the
   * private key (RFC 8032 5.1.5); handed this key's bytes as its randomness, it derives this key's public key.
   */
  private static PublicKey derivePublic(PrivateKey key) {
    byte[] seed = ((EdECPrivateKey) key).getBytes()
        .orElseThrow(() -> new UnreadableKeyException("the private key's bytes cannot be read"));
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
      generator.initialize(255, new SecureRandom() {
        @Override
        public void nextBytes(byte[] bytes) {
          if (bytes.length != seed.length) {
            throw new IllegalStateException("expected a request for " + seed.length + " bytes, got " + bytes.length);
          }
          System.arraycopy(seed, 0, bytes, 0, seed.length);
        }
      });
      KeyPair pair = generator.generateKeyPair();
      byte[] derivedFrom = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
      if (!Arrays.equals(derivedFrom, seed)) {
        throw new IllegalStateException("this JVM's Ed25519 key generator did not derive the public key");
      }
      return pair.getPublic();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no Ed25519", e);
    }
  }

  private static String readText(Path file, String what) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new UnreadableKeyException("no " + what + " file " + file);
    } catch (IOException e) {
      throw new UnreadableKeyException("cannot read the " + what + " " + file + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "SigningKey[" + keyId + "]"; // never the private key
  }
}
