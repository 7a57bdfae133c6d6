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
  void opaqueAndMalformedUrisNeverShowAPassword() {
    assertThat(UriRedaction.redact("http:user:PW@host/x")).isEqualTo("http:***@host/x");
    assertThat(UriRedaction.redact("http:/user:PW@host/x")).isEqualTo("http:/***@host/x");
    assertThat(UriRedaction.redact("http:\\\\user:PW@host\\x")).isEqualTo("http:\\\\***@host\\x");
    assertThat(UriRedaction.redact("//user:PW@host/x")).isEqualTo("//***@host/x");
    assertThat(UriRedaction.redact("user:PW@host")).isEqualTo("user:***@host");
    assertThat(UriRedaction.redact(":PW@host")).isEqualTo("***@host");
    assertThat(UriRedaction.redact("http://user:PW/with-slash@host/x?q")).as("a password with a slash in it")
        .isEqualTo("http://***@host/x?***");
    assertThat(UriRedaction.redact("http://user:PW/x")).as("no host at all").isEqualTo("http://***/x");
    assertThat(UriRedaction.redact("s3:user:PW@bucket/key")).isEqualTo("s3:***@bucket/key");
    assertThat(UriRedaction.redact("file://user:PW@host/models/a")).isEqualTo("file://***@host/models/a");

    assertThat(UriRedaction.redact("http://127.0.0.1:8080/m.tar.gz")).isEqualTo("http://127.0.0.1:8080/m.tar.gz");
    assertThat(UriRedaction.redact("http://[::1]:8080/m.tar.gz")).isEqualTo("http://[::1]:8080/m.tar.gz");
    assertThat(UriRedaction.redact("hf://org/name@v1.0")).isEqualTo("hf://org/name@v1.0");
    assertThat(UriRedaction.redact("file:///models/a@b:c/d")).isEqualTo("file:///models/a@b:c/d");
    assertThat(UriRedaction.redact("file:/models/a@b")).isEqualTo("file:/models/a@b");
    assertThat(UriRedaction.redact("no-scheme-at-all")).isEqualTo("no-scheme-at-all");
  }

  @Test
  void redactingIsIdempotentAndSaysWhetherThereWasASecret() {
    String once = UriRedaction.redact("https://u:p@h/x?q=1");
    assertThat(UriRedaction.redact(once)).isEqualTo(once);
    for (String uri : new String[] {"http:u:p@h/x", "http://u:p/q@h/x", "http://u:p/x", "//u:p@h"}) {
      assertThat(UriRedaction.redact(UriRedaction.redact(uri))).isEqualTo(UriRedaction.redact(uri));
      assertThat(UriRedaction.hasSecrets(uri)).as(uri).isTrue();
    }
    assertThat(UriRedaction.hasSecrets("https://u:p@h/x?q=1")).isTrue();
    assertThat(UriRedaction.hasSecrets("https://h/x?q")).isTrue();
    assertThat(UriRedaction.hasSecrets("https://h/x")).isFalse();
    assertThat(UriRedaction.hasSecrets(once)).isFalse();
  }
}
