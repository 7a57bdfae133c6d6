package org.beear.attest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.beear.files.FileDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing a model's statement and checking it: every kind of tampering is refused with its reason. */
class AttestationsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SigningKey KEY = SigningKey.generate();

  /** A small model directory with a subdirectory, signed; report.json and the attestation lie beside the model. */
  private static Path signedModel(Path tmp) throws Exception {
    Path model = tmp.resolve("model");
    Files.createDirectories(model.resolve("sub"));
    Files.writeString(model.resolve("config.json"), "{\"model_type\": \"llama\"}");
    byte[] weights = new byte[4096];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (byte) (i * 31);
    }
    Files.write(model.resolve("model.safetensors"), weights);
    Files.writeString(model.resolve("sub").resolve("tokenizer.json"), "{}");
    Files.writeString(model.resolve(ModelSubjects.REPORT_FILE), "{\"after\": {}}");
    Attestations.write(model, ModelSubjects.digests(model), predicate(), KEY);
    return model;
  }

  private static CleansePredicate predicate() {
    return new CleansePredicate(new CleansePredicate.Source("hf://org/model", "abc123", null,
        List.of(new FileDigest("model.safetensors", "0".repeat(64), 10))), Map.of("max_epochs", 3, "seed", 42L),
        Map.of("seed", 42L), List.of(new CleansePredicate.Dataset("defender_harmful", "defaults", 360,
            "1".repeat(64))), new CleansePredicate.Judge("rules", "0.1.0"),
        new CleansePredicate.Results(Map.of("asr_triggered", 0.9), Map.of("asr_triggered", 0.05), 3, false), null,
        Map.of("beear", "0.1.0"));
  }

  private static List<String> verify(Path model, java.security.PublicKey key) {
    return Attestations.verify(Attestations.read(model.resolve(ModelSubjects.ATTESTATION_FILE)), key, model);
  }

  @Test
  void aSignedModelVerifiesAndTheStatementIsInTotosWithTheModelsFilesAsSubjects(@TempDir Path tmp)
      throws Exception {
    Path model = signedModel(tmp);
    assertThat(verify(model, KEY.publicKey())).isEmpty();

    String line = Files.readString(model.resolve(ModelSubjects.ATTESTATION_FILE));
    assertThat(line).endsWith("\n").doesNotContain("\n\n");
    assertThat(line.strip()).doesNotContain("\n");
    var envelope = JSON.readTree(line);
    assertThat(envelope.get("payloadType").asText()).isEqualTo("application/vnd.in-toto+json");
    assertThat(envelope.get("signatures").get(0).get("keyid").asText()).isEqualTo(HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(KEY.publicKey().getEncoded())));
    var statement = JSON.readTree(Base64.getDecoder().decode(envelope.get("payload").asText()));
    assertThat(statement.get("_type").asText()).isEqualTo("https://in-toto.io/Statement/v1");
    assertThat(statement.get("predicateType").asText()).isEqualTo("https://beear.dev/cleanse/v1");
    assertThat(statement.get("subject").findValuesAsText("name"))
        .as("every model file, sorted; report.json and the attestation are not subjects")
        .containsExactly("config.json", "model.safetensors", "sub/tokenizer.json");
    assertThat(statement.at("/subject/1/digest/sha256").asText())
        .isEqualTo(org.beear.files.FileDigests.sha256(model.resolve("model.safetensors")));
    var predicate = statement.get("predicate");
    assertThat(predicate.has("policy")).as("the policy's place, empty until policies are checked").isTrue();
    assertThat(predicate.get("policy").isNull()).isTrue();
    assertThat(predicate.at("/source/archive_sha256").isNull()).isTrue();
    assertThat(predicate.at("/results/early_stopped").asBoolean()).isFalse();
    assertThat(predicate.at("/datasets/0/sha256").asText()).isEqualTo("1".repeat(64));
  }

  @Test
  void oneChangedWeightByteFailsWithTheFileNamed(@TempDir Path tmp) throws Exception {
    Path model = signedModel(tmp);
    byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
    weights[2048] ^= 1;
    Files.write(model.resolve("model.safetensors"), weights);
    List<String> problems = verify(model, KEY.publicKey());
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0)).startsWith("model.safetensors: SHA-256 ").contains("differs from the attested");
  }

  @Test
  void aChangedPredicateFailsTheSignature(@TempDir Path tmp) throws Exception {
    Path model = signedModel(tmp);
    Path file = model.resolve(ModelSubjects.ATTESTATION_FILE);
    ObjectNode envelope = (ObjectNode) JSON.readTree(Files.readString(file));
    ObjectNode statement = (ObjectNode) JSON.readTree(Base64.getDecoder().decode(envelope.get("payload").asText()));
    ((ObjectNode) statement.at("/predicate/results/after")).put("asr_triggered", 0.0); // a better-looking result
    envelope.put("payload", Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(statement)));
    Files.writeString(file, envelope.toString());
    assertThat(verify(model, KEY.publicKey())).containsExactly("the signature does not verify with the public key "
        + KEY.keyId() + ": the attestation was changed after it was signed");
  }

  @Test
  void aChangedSignatureOrPayloadTypeFails(@TempDir Path tmp) throws Exception {
    Path model = signedModel(tmp);
    Path file = model.resolve(ModelSubjects.ATTESTATION_FILE);
    String original = Files.readString(file);
    ObjectNode envelope = (ObjectNode) JSON.readTree(original);
    ObjectNode sig = (ObjectNode) envelope.get("signatures").get(0);
    byte[] signature = Base64.getDecoder().decode(sig.get("sig").asText());
    signature[10] ^= 0x40;
    sig.put("sig", Base64.getEncoder().encodeToString(signature));
    Files.writeString(file, envelope.toString());
    assertThat(verify(model, KEY.publicKey())).singleElement().asString().startsWith("the signature does not verify");

    envelope = (ObjectNode) JSON.readTree(original);
    envelope.put("payloadType", "application/json"); // the type is signed too (DSSE's PAE)
    Files.writeString(file, envelope.toString());
    assertThat(verify(model, KEY.publicKey())).anyMatch(p -> p.startsWith("the signature does not verify"))
        .anyMatch(p -> p.startsWith("the payload type is 'application/json'"));
  }

  @Test
  void anotherKeyIsRefusedEvenWhenTheKeyIdIsStripped(@TempDir Path tmp) throws Exception {
    Path model = signedModel(tmp);
    SigningKey other = SigningKey.generate();
    assertThat(verify(model, other.publicKey())).containsExactly("signed by key " + KEY.keyId()
        + ", not by the given public key " + other.keyId());

    Path file = model.resolve(ModelSubjects.ATTESTATION_FILE);
    ObjectNode envelope = (ObjectNode) JSON.readTree(Files.readString(file));
    ((ObjectNode) envelope.get("signatures").get(0)).put("keyid", "");
    Files.writeString(file, envelope.toString());
    assertThat(verify(model, other.publicKey())).singleElement().asString()
        .startsWith("the signature does not verify with the public key " + other.keyId());
    assertThat(verify(model, KEY.publicKey())).as("the keyid is a hint; the signature decides").isEmpty();
  }

  @Test
  void missingAddedAndLinkedFilesAreNamed(@TempDir Path tmp) throws Exception {
    Path model = signedModel(tmp);
    Files.delete(model.resolve("sub").resolve("tokenizer.json"));
    Files.writeString(model.resolve("extra.safetensors"), "more weights");
    Files.createSymbolicLink(model.resolve("linked.json"), tmp.resolve("elsewhere.json"));
    assertThat(verify(model, KEY.publicKey())).containsExactly(
        "linked.json: not a regular file (links are not attested)",
        "sub/tokenizer.json: attested but missing from the model directory",
        "extra.safetensors: in the model directory but not attested");
    // the by-products beside the model are no part of it: a copy without them verifies
    Path copy = tmp.resolve("copy");
    Files.createDirectories(copy.resolve("sub"));
    Path fresh = signedModel(tmp.resolve("again"));
    for (String name : List.of("config.json", "model.safetensors", "sub/tokenizer.json")) {
      Files.copy(fresh.resolve(name), copy.resolve(name));
    }
    assertThat(Attestations.verify(Attestations.read(fresh.resolve(ModelSubjects.ATTESTATION_FILE)),
        KEY.publicKey(), copy)).isEmpty();
  }

  @Test
  void unreadableAttestationsAreToldApartFromOnesThatDoNotVerify(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("a.intoto.jsonl");
    Files.writeString(file, "not json");
    assertThatThrownBy(() -> Attestations.read(file)).isInstanceOf(UnreadableAttestationException.class)
        .hasMessageContaining("is not a JSON DSSE envelope");
    Path model = signedModel(tmp);
    String line = Files.readString(model.resolve(ModelSubjects.ATTESTATION_FILE));
    Files.writeString(file, line + line);
    assertThatThrownBy(() -> Attestations.read(file)).hasMessageContaining("exactly one envelope");
    Files.writeString(file, "{\"payload\": \"x\"}");
    assertThatThrownBy(() -> Attestations.read(file)).hasMessageContaining("needs payloadType, payload and signatures");
    assertThatThrownBy(() -> Attestations.read(tmp.resolve("none"))).hasMessageStartingWith("no attestation file");
  }

  /** DSSE's own example of the pre-authentication encoding. */
  @Test
  void thePreAuthenticationEncodingIsDssesV1() {
    assertThat(new String(Dsse.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8)).isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  }

  /**
   * RFC 8032 7.1 test 1: from the private key, as OpenSSL writes it (PKCS#8 PEM), the public key is derived, and
   * the signature of the empty message is the RFC's.
   */
  @Test
  void keysAreOpenSslsPemAndThePublicKeyIsDerived(@TempDir Path tmp) throws Exception {
    String seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(
        "302e020100300506032b657004220420" + seed)) + "\n-----END PRIVATE KEY-----\n";
    SigningKey key = SigningKey.fromPem(pem, "rfc8032");
    byte[] spki = key.publicKey().getEncoded();
    assertThat(HexFormat.of().formatHex(spki)).isEqualTo("302a300506032b6570032100"
        + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    java.security.Signature signer = java.security.Signature.getInstance("Ed25519");
    signer.initSign(key.privateKey());
    assertThat(HexFormat.of().formatHex(signer.sign())).isEqualTo("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d8"
        + "73e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assertThat(key.privatePem()).isEqualTo(pem.replace("\n-----END", "\n-----END"));
    assertThat(SigningKey.publicKeyFromPem(key.publicPem(), "public").getEncoded()).isEqualTo(spki);

    assertThatThrownBy(() -> SigningKey.fromPem(key.publicPem(), "key.pem"))
        .isInstanceOf(UnreadableKeyException.class)
        .hasMessage("key.pem holds no PEM block 'PRIVATE KEY' (it holds a 'PUBLIC KEY' block)");
    assertThatThrownBy(() -> SigningKey.publicKeyFromPem("hello", "key.pub"))
        .hasMessage("key.pub holds no PEM block 'PUBLIC KEY'");
    String rsa = "-----BEGIN PRIVATE KEY-----\n" + Base64.getEncoder().encodeToString(
        java.security.KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    assertThatThrownBy(() -> SigningKey.fromPem(rsa, "ec.pem")).hasMessageStartingWith(
        "ec.pem is not an Ed25519 private key");
  }

  @Test
  void aKeyFileIsCreatedOnceOwnerOnly(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("keys").resolve("signing.key");
    SigningKey created = SigningKey.readOrCreate(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(SigningKey.readOrCreate(file).keyId()).isEqualTo(created.keyId());
    assertThat(SigningKey.read(file).publicPem()).isEqualTo(created.publicPem());
    assertThat(created.toString()).doesNotContain(Base64.getEncoder().encodeToString(
        created.privateKey().getEncoded()));
  }
}
