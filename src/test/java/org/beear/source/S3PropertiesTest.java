package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

/** beear.sources.s3.* as a deployment writes it (compose passes empty strings for what it does not set). */
class S3PropertiesTest {

  private static S3Properties bind(Map<String, String> values) {
    LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
    validator.afterPropertiesSet();
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("beear.sources.s3", Bindable.of(S3Properties.class), new ValidationBindHandler(validator));
  }

  @Test
  void defaultsAreAwsAnonymousWithSixteenMegabyteParts() {
    S3Properties s3 = bind(Map.of("beear.sources.s3.endpoint", "", "beear.sources.s3.access-key-id", "",
        "beear.sources.s3.secret-access-key", ""));
    assertThat(s3.endpoint()).isNull();
    assertThat(s3.region()).isEqualTo("us-east-1");
    assertThat(s3.anonymous()).isTrue();
    assertThat(s3.partSize().toMegabytes()).isEqualTo(16);
    assertThat(s3.multipartThreshold().toMegabytes()).isEqualTo(64);
  }

  @Test
  void theSecretNeverShowsInItsDescription() {
    S3Properties s3 = bind(Map.of("beear.sources.s3.endpoint", "http://minio.internal:9000",
        "beear.sources.s3.access-key-id", "AKIDEXAMPLE", "beear.sources.s3.secret-access-key", "wJalrXUtnFEMI"));
    assertThat(s3.toString()).contains("AKIDEXAMPLE").contains("secretAccessKey=***").doesNotContain("wJalrXUtnFEMI");
  }

  @Test
  void halfACredentialPairSmallPartsAndEndpointsWithPathsAreRefusedAtStartup() {
    assertThatThrownBy(() -> bind(Map.of("beear.sources.s3.access-key-id", "AKIDEXAMPLE")))
        .isInstanceOf(BindException.class).rootCause()
        .hasMessageContaining("access-key-id and secret-access-key are set together or not at all");
    assertThatThrownBy(() -> bind(Map.of("beear.sources.s3.part-size", "1MB")))
        .rootCause().hasMessageContaining("part-size must be between 5MB and 5GB");
    assertThatThrownBy(() -> bind(Map.of("beear.sources.s3.endpoint", "http://minio:9000/bucket")))
        .rootCause().hasMessageContaining("endpoint must be an http(s) URI with a host and no path");
  }
}
