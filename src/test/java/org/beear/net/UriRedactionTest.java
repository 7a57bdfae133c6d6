package org.beear.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UriRedactionTest {

  @Test
  void userInfoQueryAndFragmentAreMasked() {
    assertThat(UriRedaction.redact("https://alice:s3cret@models.example/m.tar.gz?X-Amz-Signature=abc&x=1#t"))
        .isEqualTo("https://***@models.example/m.tar.gz?***#***");
    assertThat(UriRedaction.redact("https://token@host:8443")).isEqualTo("https://***@host:8443");
    assertThat(UriRedaction.redact("https://host/p@v1/m.tar.gz")).as("an @ in the path is not user info")
        .isEqualTo("https://host/p@v1/m.tar.gz");
    assertThat(UriRedaction.redact("not a uri ?token=1")).isEqualTo("not a uri ?***");
    assertThat(UriRedaction.redact("file:///models/a")).isEqualTo("file:///models/a");
    assertThat(UriRedaction.redact(null)).isNull();
  }

  @Test
  void redactingIsIdempotentAndSaysWhetherThereWasASecret() {
    String once = UriRedaction.redact("https://u:p@h/x?q=1");
    assertThat(UriRedaction.redact(once)).isEqualTo(once);
    assertThat(UriRedaction.hasSecrets("https://u:p@h/x?q=1")).isTrue();
    assertThat(UriRedaction.hasSecrets("https://h/x?q")).isTrue();
    assertThat(UriRedaction.hasSecrets("https://h/x")).isFalse();
    assertThat(UriRedaction.hasSecrets(once)).isFalse();
  }
}
