package org.beear.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretSealerTest {

  private static final String URI = "https://alice:s3cret@models.example/m.tar.gz?sig=t0ken";

  @TempDir
  Path dataDir;

  @Test
  void aSealedValueOpensOnlyWithItsKeyAndContext() {
    SecretSealer sealer = new SecretSealer(SecretsKey.load(null, dataDir));
    String sealed = sealer.seal(URI, "job-1");

    assertThat(sealed).startsWith("v1:").doesNotContain("s3cret").doesNotContain("t0ken");
    assertThat(sealer.seal(URI, "job-1")).as("a fresh nonce every time").isNotEqualTo(sealed);
    assertThat(sealer.open(sealed, "job-1")).isEqualTo(URI);
    assertThatThrownBy(() -> sealer.open(sealed, "job-2")).as("copied into another job's row")
        .isInstanceOf(IllegalStateException.class).hasMessageNotContaining("s3cret");
    SecretSealer otherKey = new SecretSealer(SecretsKey.load(
        Base64.getEncoder().encodeToString(new byte[32]), dataDir));
    assertThatThrownBy(() -> otherKey.open(sealed, "job-1")).isInstanceOf(IllegalStateException.class);
    String tampered = sealed.substring(0, sealed.length() - 4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
    assertThatThrownBy(() -> sealer.open(tampered, "job-1")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void withoutAConfiguredKeyOneIsGeneratedOnceIntoTheDataDirectoryForTheOwnerOnly() throws Exception {
    String sealed = new SecretSealer(SecretsKey.load(null, dataDir)).seal(URI, "c");
    Path file = dataDir.resolve("secrets.key");

    assertThat(Base64.getDecoder().decode(Files.readString(file).trim())).hasSize(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(new SecretSealer(SecretsKey.load(null, dataDir)).open(sealed, "c")).as("the same key next start")
        .isEqualTo(URI);
    assertThat(Files.list(dataDir)).containsExactly(file);
  }

  @Test
  void aConfiguredKeyMustBe32BytesOfBase64() {
    assertThatThrownBy(() -> SecretsKey.load(Base64.getEncoder().encodeToString(new byte[16]), dataDir))
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> SecretsKey.load("not base64!", dataDir)).hasMessageContaining("not base64");
    assertThat(dataDir.resolve("secrets.key")).doesNotExist();
  }

  @Test
  void fingerprintsAreKeyedAndStable() {
    SecretSealer sealer = new SecretSealer(SecretsKey.load(null, dataDir));
    assertThat(sealer.fingerprint("request")).isEqualTo(sealer.fingerprint("request"))
        .isNotEqualTo(sealer.fingerprint("request2")).hasSize(64);
  }
}
