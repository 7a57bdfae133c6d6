package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** s3:// URIs are checked and normalised at submission, without the network. */
class S3LocationTest {

  @Test
  void spellingsOfOnePrefixAreOneLocation() {
    for (String uri : new String[] {"s3://models/org/llama", "s3://models/org/llama/", "S3://models/org/llama//",
        "s3://models//org/llama"}) {
      if (uri.contains("//org")) {
        assertThatThrownBy(() -> S3Location.parse(URI.create(uri))).hasMessageContaining("empty, '.' or '..'");
        continue;
      }
      S3Location location = S3Location.parse(URI.create(uri));
      assertThat(location.uri().toString()).as(uri).isEqualTo("s3://models/org/llama/");
      assertThat(location.key("config.json")).isEqualTo("org/llama/config.json");
    }
    assertThat(S3Location.parse(URI.create("s3://models")).uri().toString()).isEqualTo("s3://models/");
    assertThat(S3Location.parse(URI.create("s3://models/")).key("a.json")).isEqualTo("a.json");
  }

  @Test
  void bucketNamesFollowS3sRules() {
    for (String bad : new String[] {"ab", "Upper", "under_score", "-lead", "trail-", "a..b", "192.168.1.1",
        "xn--punycode", "x".repeat(64)}) {
      assertThatThrownBy(() -> S3Location.parse(URI.create("s3://" + bad + "/m"))).as(bad)
          .isInstanceOf(SourceException.class).hasMessageContaining("is not a valid bucket name");
    }
    assertThat(S3Location.parse(URI.create("s3://my.models-2024/m")).bucket()).isEqualTo("my.models-2024");
  }

  @Test
  void dotSegmentsCredentialsAndQueriesAreRefused() {
    assertThatThrownBy(() -> S3Location.parse(URI.create("s3://models/a/../b")))
        .hasMessage("s3://models/a/../b: the prefix may not contain empty, '.' or '..' segments");
    assertThatThrownBy(() -> S3Location.parse(URI.create("s3://models/./b"))).hasMessageContaining("'..'");
    assertThatThrownBy(() -> S3Location.parse(URI.create("s3://key:secret@models/m")))
        .hasMessageStartingWith("s3://***@models/m: s3:// URIs carry no credentials")
        .hasMessageNotContaining("secret@");
    assertThatThrownBy(() -> S3Location.parse(URI.create("s3://models/m?versionId=1")))
        .hasMessageContaining("no credentials, query or fragment");
    assertThatThrownBy(() -> S3Location.parse(URI.create("s3:///m"))).hasMessageContaining("names no bucket");
  }
}
