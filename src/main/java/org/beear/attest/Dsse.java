package org.beear.attest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Dead Simple Signing Envelopes (DSSE v1, github.com/secure-systems-lab/dsse): a payload, its type, and
 * signatures over the pre-authentication encoding of both, {@code PAE(type, body) = "DSSEv1" SP LEN(type) SP type
 * SP LEN(body) SP body} (lengths in ASCII decimal bytes), so that neither can be swapped without the signature
 * failing. Payload and signatures are standard base64 in the envelope.
 */
public final class Dsse {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Dsse() {}

  /**
   * @param payloadType what the payload is ({@link Statement#PAYLOAD_TYPE})
   * @param payload     base64 of the payload's bytes
   */
  public record Envelope(@JsonProperty("payloadType") String payloadType, @JsonProperty("payload") String payload,
      @JsonProperty("signatures") List<Sig> signatures) {

    public Envelope {
      signatures = signatures == null ? List.of() : List.copyOf(signatures);
    }

    /** The payload's bytes; empty when it is not base64. */
    public java.util.Optional<byte[]> payloadBytes() {
      try {
        return java.util.Optional.of(Base64.getDecoder().decode(payload));
      } catch (IllegalArgumentException e) {
        return java.util.Optional.empty();
      }
    }

    /** The envelope as one line of JSON, as a {@code .intoto.jsonl} file holds it. */
    public String toJson() {
      try {
        return JSON.writeValueAsString(this);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** One signature: base64 {@code sig}, and the signing key's id ({@link SigningKey#keyId()}). */
  public record Sig(@JsonProperty("keyid") String keyid, @JsonProperty("sig") String sig) {}

  /** The envelope of {@code payload}, signed with {@code key}. */
  public static Envelope sign(String payloadType, byte[] payload, SigningKey key) {
    try {
      Signature signer = Signature.getInstance(SigningKey.ALGORITHM);
      signer.initSign(key.privateKey());
      signer.update(pae(payloadType, payload));
      return new Envelope(payloadType, Base64.getEncoder().encodeToString(payload),
          List.of(new Sig(key.keyId(), Base64.getEncoder().encodeToString(signer.sign()))));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed", e);
    }
  }

  /**
   * What is wrong with the envelope's signatures for {@code key}, one sentence per problem; empty when one of them
   * is {@code key}'s valid signature over the envelope's type and payload (DSSE accepts an envelope when one
   * signature of a trusted key verifies).
   */
  public static List<String> signatureProblems(Envelope envelope, PublicKey key) {
    String keyId = SigningKey.keyId(key);
    byte[] payload = envelope.payloadBytes().orElse(null);
    if (payload == null) {
      return List.of("the payload is not base64");
    }
    if (envelope.signatures().isEmpty()) {
      return List.of("the attestation is not signed");
    }
    List<String> problems = new ArrayList<>();
    for (Sig sig : envelope.signatures()) {
      if (sig.keyid() != null && !sig.keyid().isEmpty() && !sig.keyid().equals(keyId)) {
        problems.add("signed by key " + sig.keyid() + ", not by the given public key " + keyId);
        continue;
      }
      if (verifies(envelope.payloadType(), payload, sig, key)) {
        return List.of();
      }
      problems.add("the signature does not verify with the public key " + keyId
          + ": the attestation was changed after it was signed");
    }
    return problems;
  }

  private static boolean verifies(String payloadType, byte[] payload, Sig sig, PublicKey key) {
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(sig.sig() == null ? "" : sig.sig());
    } catch (IllegalArgumentException e) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance(SigningKey.ALGORITHM);
      verifier.initVerify(key);
      verifier.update(pae(payloadType == null ? "" : payloadType, payload));
      return verifier.verify(signature);
    } catch (InvalidKeyException | SignatureException e) {
      return false; // a signature of the wrong length or shape is not a valid one
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no Ed25519", e);
    }
  }

  /** DSSE's pre-authentication encoding. */
  static byte[] pae(String payloadType, byte[] payload) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(type);
    out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  /**
   * The envelope in {@code text}: one JSON object (a {@code .intoto.jsonl} file of one line is one).
   *
   * @throws UnreadableAttestationException when it is not one
   */
  public static Envelope parse(String text, String where) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UnreadableAttestationException(where + " is not a JSON DSSE envelope"
          + (text.strip().contains("\n") ? " (a .intoto.jsonl file must hold exactly one envelope)" : "") + ": "
          + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new UnreadableAttestationException(where + " is not a JSON DSSE envelope: expected an object");
    }
    if (!node.path("payloadType").isTextual() || !node.path("payload").isTextual()
        || !node.path("signatures").isArray()) {
      throw new UnreadableAttestationException(where + " is not a DSSE envelope: it needs payloadType, payload and "
          + "signatures");
    }
    List<Sig> sigs = new ArrayList<>();
    for (JsonNode s : node.get("signatures")) {
      sigs.add(new Sig(s.path("keyid").asText(""), s.path("sig").asText("")));
    }
    return new Envelope(node.get("payloadType").asText(), node.get("payload").asText(), sigs);
  }
}
