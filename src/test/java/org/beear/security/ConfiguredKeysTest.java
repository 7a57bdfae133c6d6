package org.beear.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.beear.app.BeearProperties;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keys a deployment provides from a Secret: {@code beear.security.bootstrap-key} (admin) and
 * {@code beear.security.metrics-key} are registered, hashed, at start; a malformed one stops the start.
 */
class ConfiguredKeysTest extends ServiceTestBase {

  @Autowired BeearProperties beear;
  @Autowired ApiKeys keys;
  @Autowired TransactionTemplate tx;

  @Test
  void aConfiguredBootstrapKeyBecomesAnAdminKeyAndNoFileIsWritten() throws Exception {
    String provided = ApiKeys.generate();
    Path file = ROOT.resolve("unused-" + uniqueName("admin") + ".key");
    bootstrap(new BeearSecurityProperties(true, file, provided, true, null, "default", java.time.Duration.ofHours(24),
        new BeearSecurityProperties.Oidc(null, null, null, "tenant", "roles")));
    bootstrap(new BeearSecurityProperties(true, file, provided, true, null, "default", java.time.Duration.ofHours(24),
        new BeearSecurityProperties.Oidc(null, null, null, "tenant", "roles")));

    assertThat(get("/api/v1/keys", provided).statusCode()).isEqualTo(200);
    assertThat(file).doesNotExist();
    assertThat(jdbc.queryForObject("SELECT count(*) FROM api_keys WHERE key_hash = ?", Long.class,
        ApiKeys.hash(provided))).as("registered once, as a hash").isEqualTo(1);
  }

  @Test
  void theConfiguredMetricsKeyOpensPrometheusOnly() {
    assertThat(get("/actuator/prometheus", METRICS_KEY).statusCode()).isEqualTo(200);
    assertThat(get("/api/v1/cleanse-jobs", METRICS_KEY).statusCode()).isEqualTo(403);
  }

  @Test
  void aConfiguredKeyThatIsNotAnApiKeyStopsTheStart() {
    BeearSecurityProperties weak = new BeearSecurityProperties(true, null, "changeme", true, null, "default",
        java.time.Duration.ofHours(24), new BeearSecurityProperties.Oidc(null, null, null, "tenant", "roles"));
    assertThatThrownBy(() -> bootstrap(weak)).hasMessageContaining("beear.security.bootstrap-key")
        .hasMessageContaining("bk_");
  }

  @Test
  void aWorkerThatMayNotMintKeysWritesNoAdminKeyEvenOnADatabaseWithoutOne() {
    Path workerFile = ROOT.resolve("worker-" + uniqueName("admin") + ".key");
    Path apiFile = ROOT.resolve("api-" + uniqueName("admin") + ".key");
    tx.executeWithoutResult(status -> {
      // as if this replica started first: no admin key yet (rolled back below, so other tests keep theirs)
      jdbc.update("UPDATE api_keys SET revoked_at = now() WHERE role = 'admin' AND revoked_at IS NULL");
      bootstrap(withGenerate(workerFile, false));
      assertThat(keys.hasActiveAdmin()).isFalse();
      bootstrap(withGenerate(apiFile, true));
      assertThat(keys.hasActiveAdmin()).isTrue();
      status.setRollbackOnly();
    });
    assertThat(workerFile).doesNotExist();
    assertThat(apiFile).as("the control: an API replica does mint one").exists();
  }

  private static BeearSecurityProperties withGenerate(Path file, boolean generate) {
    return new BeearSecurityProperties(true, file, null, generate, null, "default", java.time.Duration.ofHours(24),
        new BeearSecurityProperties.Oidc(null, null, null, "tenant", "roles"));
  }

  private void bootstrap(BeearSecurityProperties security) {
    new BootstrapKeys(security, beear, keys, jdbc, tx).run(null);
  }
}
